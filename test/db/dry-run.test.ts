import { beforeEach, expect, it } from 'vitest';
import { runNow } from '../../src/runner/run-now.js';
import { testApp } from '../support/app.js';
import { describeEngines, truncateAll } from '../support/engines.js';

const request = (n: number, extra: Record<string, unknown> = {}) => ({
  request_id: `REQ-${n}`, supplier_id: 'SUP-1', supplier_email: 'sup1@shop.example', customer_email: `c${n}@shop.example`,
  item: `item ${n}`, quantity: n, ...extra,
});

describeEngines('run now --dry-run', (engine) => {
  beforeEach(() => truncateAll(engine.db));

  it('renders through the same path as a real run: the message of the good events, the ones a real run would split off named, nothing claimed', async () => {
    const { ctx, recorder, transport } = await testApp(engine);
    const good = [await recorder.record('Purchase.Requested', request(1))];
    // A SQL producer's row the handler cannot use (the direct-INSERT contract, hence raw SQL).
    const { insertId: bad } = await engine.db.run('INSERT INTO digest_events (type, recipient, payload) VALUES (?, ?, ?)',
      ['Purchase.Requested', 'SUP-1', JSON.stringify(request(2, { quantity: 'lots' }))]);
    good.push(await recorder.record('Purchase.Requested', request(3)));
    // A recipient whose only event cannot render: no message, only the reason.
    const { insertId: alone } = await engine.db.run('INSERT INTO digest_events (type, recipient, payload) VALUES (?, ?, ?)',
      ['Purchase.Requested', 'SUP-2', '[1, 2]']);

    const [result] = await runNow(ctx, { type: 'Purchase.Requested', dryRun: true });
    if (!result?.dryRun) throw new Error('expected a dry run');
    const [sup1, sup2] = result.messages;
    expect(sup1).toMatchObject({ recipient: 'SUP-1', events: good, to: 'sup1@shop.example' });
    expect(sup1!.text).toContain('REQ-1');
    expect(sup1!.text).toContain('REQ-3');
    expect(sup1!.text).not.toContain('REQ-2');
    expect(sup1!.error).toMatch(new RegExp(`^left out \\(dead on a real run\\): event ${bad}: .*payload\\.quantity`));
    expect(sup2).toMatchObject({ recipient: 'SUP-2', events: [alone] });
    expect(sup2!.text).toBeUndefined();
    expect(sup2!.error).toMatch(new RegExp(`^event ${alone}: `));

    expect(transport.sent).toHaveLength(0);
    const [{ n }] = await engine.db.all<{ n: number }>('SELECT COUNT(*) AS n FROM digest_events WHERE delivery_id IS NULL');
    expect(Number(n)).toBe(4);
  });
});
