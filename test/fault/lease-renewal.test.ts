import { beforeEach, expect, it } from 'vitest';
import { recoverDeliveries } from '../../src/runner/recover.js';
import { runType } from '../../src/runner/run.js';
import type { OutgoingMessage } from '../../src/transports/transport.js';
import { describeEngines, truncateAll } from '../support/engines.js';
import { testApp } from '../support/app.js';

/** A transport that takes `ms` per send and records every send, however many times. */
function slowTransport(ms: number) {
  const sent: OutgoingMessage[] = [];
  return { sent, transport: { name: 'slow', send: async (m: OutgoingMessage) => { await new Promise((r) => setTimeout(r, ms)); sent.push(m); } } };
}

describeEngines('lease renewal', (engine) => {
  beforeEach(() => truncateAll(engine.db));

  it('a page that takes longer than the lease is not re-sent by a concurrent recovery', async () => {
    const slow = slowTransport(120);
    // Lease 400 ms; 8 sends of 120 ms each take ~1 s: the page's claim-time
    // lease runs out long before its last send starts.
    const worker = await testApp(engine, { transports: { console: slow.transport }, leaseMs: 400 });
    const rescuer = await testApp(engine, { transports: { console: slow.transport }, leaseMs: 400 });
    for (let i = 1; i <= 8; i++) await worker.recorder.record('Order.Created', { email_address: `r${i}@shop.example`, order_id: i });
    let running = true;
    const recovering = (async () => {
      while (running) {
        await recoverDeliveries(rescuer.ctx);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await runType(worker.ctx, { type: 'Order.Created', trigger: 'immediate' });
    // Let the rescuer finish anything it took over.
    await new Promise((r) => setTimeout(r, 800));
    running = false;
    await recovering;
    const ids = slow.sent.map((m) => m.messageId);
    expect(ids).toHaveLength(8);
    expect(new Set(ids).size).toBe(8);
    const [{ n }] = await engine.db.all<{ n: number }>("SELECT COUNT(*) AS n FROM digest_deliveries WHERE status = 'sent'");
    expect(Number(n)).toBe(8);
  });
});
