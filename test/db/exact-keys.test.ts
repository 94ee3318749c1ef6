/**
 * Text keys compare exactly on both engines (binary, no-pad collation on
 * MySQL/MariaDB): recipients, types and idempotency keys that differ only in
 * case or trailing spaces are different values. Folding is a handler's choice.
 */
import { beforeEach, expect, it } from 'vitest';
import { runType } from '../../src/runner/run.js';
import { describeEngines, truncateAll } from '../support/engines.js';
import { testApp } from '../support/app.js';

const request = (n: number, supplier: string) => ({
  request_id: n, supplier_id: supplier, supplier_email: 's@x.example', customer_email: 'c@x.example', item: 'bolt', quantity: 1,
});

describeEngines('exact text keys', (engine) => {
  beforeEach(() => truncateAll(engine.db));

  it('supplier ids ACME, acme and "acme " are three recipients: the claim succeeds and sends three digests', async () => {
    const { ctx, recorder, transport } = await testApp(engine);
    await recorder.record('Purchase.Requested', request(1, 'ACME'));
    await recorder.record('Purchase.Requested', request(2, 'acme'));
    await recorder.record('Purchase.Requested', request(3, 'acme '));
    await recorder.record('Purchase.Requested', request(4, 'acme'));
    const summary = await runType(ctx, { type: 'Purchase.Requested', trigger: 'manual' });
    expect(summary).toMatchObject({ eventsClaimed: 4, deliveriesCreated: 3, deliveriesSent: 3 });
    expect(transport.sent.map((m) => m.recipient).sort()).toEqual(['ACME', 'acme', 'acme ']);
    const outstanding = await engine.db.all('SELECT id FROM digest_events WHERE processed_at IS NULL');
    expect(outstanding).toEqual([]);
  });

  it('the same for direct-SQL rows, which nobody folds: Ann@x.com and ann@x.com get a digest each', async () => {
    const { ctx, transport } = await testApp(engine);
    for (const [n, email] of [[1, 'Ann@x.com'], [2, 'ann@x.com']] as const) {
      const payload = JSON.stringify({ request_id: n, customer_email: email, supplier_name: 'ACME', status: 'accepted' });
      await engine.db.run('INSERT INTO digest_events (type, recipient, payload) VALUES (?, ?, ?)', ['Purchase.Responded', email, payload]);
    }
    const summary = await runType(ctx, { type: 'Purchase.Responded', trigger: 'manual' });
    expect(summary).toMatchObject({ deliveriesCreated: 2, deliveriesSent: 2 });
    expect(transport.sent.map((m) => m.recipient).sort()).toEqual(['Ann@x.com', 'ann@x.com']);
  });

  it('the shipped email-address types fold the case: one customer gets one digest, sent to the address as given', async () => {
    const { ctx, recorder, transport } = await testApp(engine);
    const response = (n: number, email: string) => ({ request_id: n, customer_email: email, supplier_name: `S${n}`, status: 'accepted' });
    await recorder.record('Purchase.Responded', response(1, 'Ann@X.com'));
    await recorder.record('Purchase.Responded', response(2, 'ann@x.com'));
    await runType(ctx, { type: 'Purchase.Responded', trigger: 'manual' });
    expect(transport.sent).toHaveLength(1);
    expect(transport.sent[0]).toMatchObject({ recipient: 'ann@x.com' });
    const id = await recorder.record('Order.Created', { email_address: 'Bob@X.com', order_id: 7 });
    const [row] = await engine.db.all<{ recipient: string }>('SELECT recipient FROM digest_events WHERE id = ?', [id]);
    expect(row!.recipient).toBe('bob@x.com');
    await runType(ctx, { type: 'Order.Created', trigger: 'immediate' });
    expect(transport.sent[1]).toMatchObject({ to: 'Bob@X.com', text: 'Sending receipt to Bob@X.com for order #7...' });
  });

  it('idempotency keys are case- and space-sensitive: aB3x, Ab3X and "aB3x " store three events; a repeat returns the first id', async () => {
    const { recorder } = await testApp(engine);
    const order = (n: number) => ({ email_address: `o${n}@x.example`, order_id: n });
    const a = await recorder.record('Order.Created', order(1), { idempotencyKey: 'aB3x' });
    const b = await recorder.record('Order.Created', order(2), { idempotencyKey: 'Ab3X' });
    const c = await recorder.record('Order.Created', order(3), { idempotencyKey: 'aB3x ' });
    expect(new Set([a, b, c]).size).toBe(3);
    expect(await recorder.record('Order.Created', order(4), { idempotencyKey: 'Ab3X' })).toBe(b);
    const [many] = await recorder.recordMany([{ type: 'Order.Created', payload: order(5), idempotencyKey: 'AB3X' }]);
    expect([a, b, c]).not.toContain(many);
    const rows = await engine.db.all<{ n: number }>('SELECT COUNT(*) AS n FROM digest_events');
    expect(Number(rows[0]!.n)).toBe(4);
  });

  it('types compare exactly: a row of type order.created is not an Order.Created event', async () => {
    const { ctx, transport } = await testApp(engine);
    await engine.db.run('INSERT INTO digest_events (type, recipient, payload) VALUES (?, ?, ?)',
      ['order.created', 'x@x.example', JSON.stringify({ email_address: 'x@x.example', order_id: 1 })]);
    const summary = await runType(ctx, { type: 'Order.Created', trigger: 'immediate' });
    expect(summary.eventsClaimed).toBe(0);
    expect(transport.sent).toEqual([]);
  });
});
