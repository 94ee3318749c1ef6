import { Writable } from 'node:stream';
import { pino } from 'pino';
import { beforeEach, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { runType } from '../../src/runner/run.js';
import { describeEngines, truncateAll } from '../support/engines.js';
import { testApp } from '../support/app.js';

/** An info-level logger whose lines the test can read. */
function capturingLogger() {
  const lines: string[] = [];
  const stream = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
  return { logger: pino({ level: 'info' }, stream), lines };
}

describeEngines('malicious payloads', (engine) => {
  beforeEach(() => truncateAll(engine.db));

  it('<script> is escaped in HTML, {{constructor}} stays literal text, and no payload reaches the info logs', async () => {
    const { logger, lines } = capturingLogger();
    const { ctx, recorder, transport } = await testApp(engine, { logger });
    await recorder.record('Purchase.Requested', {
      request_id: 'R-<b>1</b>', supplier_id: 'evil', supplier_email: 'evil@supplier.example',
      customer_email: 'victim@shop.example', item: '<script>alert(1)</script>', quantity: 1,
    });
    await recorder.record('Purchase.Requested', {
      request_id: 'R2', supplier_id: 'evil', supplier_email: 'evil@supplier.example',
      customer_email: 'victim@shop.example', item: '{{constructor}} {{#each this}}x{{/each}}', quantity: 2,
    });
    const s = await runType(ctx, { type: 'Purchase.Requested', trigger: 'manual' });
    expect(s.deliveriesSent).toBe(1);
    const [m] = transport.sent;
    expect(m!.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(m!.html).not.toContain('<script>');
    expect(m!.html).toContain('R-&lt;b&gt;1&lt;/b&gt;');
    // Payload text is data, never template source.
    expect(m!.text).toContain('{{constructor}} {{#each this}}x{{/each}}');
    expect(m!.text).not.toMatch(/function|\[native code\]/);
    const logs = lines.join('');
    expect(logs).toContain('"evt":"delivery.sent"');
    for (const secret of ['victim@shop.example', 'evil@supplier.example', 'script', 'constructor']) expect(logs).not.toContain(secret);
  });

  it('a CRLF in a field that reaches the subject is rejected at record(), and fails the delivery if inserted by SQL', async () => {
    const { ctx, recorder, transport } = await testApp(engine);
    const payload = { request_id: 1, customer_email: 'c@shop.example', supplier_name: 'ACME\r\nBcc: all@victims.example', status: 'accepted' };
    const err = await recorder.record('Purchase.Responded', payload).catch((e) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.message).toMatch(/supplier_name: must be a single line/);
    // A raw INSERT on purpose: what a direct-SQL producer can write that record() refuses.
    await engine.db.run('INSERT INTO digest_events (type, recipient, payload) VALUES (?, ?, ?)',
      ['Purchase.Responded', 'c@shop.example', JSON.stringify(payload)]);
    const s = await runType(ctx, { type: 'Purchase.Responded', trigger: 'manual' });
    expect(s).toMatchObject({ deliveriesSent: 0, deliveriesFailed: 1 });
    expect(transport.sent).toHaveLength(0);
    const [row] = await engine.db.all<{ error: string }>('SELECT error FROM digest_deliveries');
    expect(row!.error).toMatch(/supplier_name: must be a single line/);
  });
});
