import { beforeEach, expect, it } from 'vitest';
import { recoverDeliveries } from '../../src/runner/recover.js';
import { runType } from '../../src/runner/run.js';
import type { OutgoingMessage } from '../../src/transports/transport.js';
import { describeEngines, truncateAll } from '../support/engines.js';
import { testApp } from '../support/app.js';
import { DatabaseClock } from '../support/database-clock.js';

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
    // The page runs in real time: its sends are slow for real, and the lease
    // keeper beats on a real timer. Only the rescuer's last look jumps ahead.
    const dbClock = new DatabaseClock();
    const rescuer = await testApp(engine, { transports: { console: slow.transport }, leaseMs: 400, databaseNow: dbClock.now });
    for (let i = 1; i <= 8; i++) await worker.recorder.record('Order.Created', { email_address: `r${i}@shop.example`, order_id: i });
    let running = true;
    const recovering = (async () => {
      while (running) {
        await recoverDeliveries(rescuer.ctx);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await runType(worker.ctx, { type: 'Order.Created', trigger: 'immediate' });
    running = false;
    await recovering;
    // Every lease the page held has run out by now (database time, moved):
    // the rescuer takes over, and sends, whatever the page left unfinished.
    dbClock.advance(60_000);
    await recoverDeliveries(rescuer.ctx);
    const ids = slow.sent.map((m) => m.messageId);
    expect(ids).toHaveLength(8);
    expect(new Set(ids).size).toBe(8);
    const [{ n }] = await engine.db.all<{ n: number }>("SELECT COUNT(*) AS n FROM digest_deliveries WHERE status = 'sent'");
    expect(Number(n)).toBe(8);
  });

  it('leases are kept while a page is queued and while one send outlives the lease: no takeover, no extra attempts', async () => {
    // Lease 300 ms, one send at a time: 6 sends of 100 ms, then one of 700 ms.
    // The tail of the page waits ~600 ms unstarted, and the last send alone
    // outlives the lease twice over; a rescuer polls all along.
    const sent: OutgoingMessage[] = [];
    let calls = 0;
    const transport = {
      name: 'slow',
      send: async (m: OutgoingMessage) => {
        calls++;
        await new Promise((r) => setTimeout(r, m.recipient === 'q7@shop.example' ? 700 : 100));
        sent.push(m);
      },
    };
    const worker = await testApp(engine, { transports: { console: transport }, leaseMs: 300 });
    worker.ctx.deliveryConcurrency = 1;
    const rescuer = await testApp(engine, { transports: { console: transport }, leaseMs: 300 });
    for (let i = 1; i <= 7; i++) await worker.recorder.record('Order.Created', { email_address: `q${i}@shop.example`, order_id: i });
    let running = true;
    let rescued = 0;
    const recovering = (async () => {
      while (running) {
        rescued += (await recoverDeliveries(rescuer.ctx)).length;
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const s = await runType(worker.ctx, { type: 'Order.Created', trigger: 'immediate' });
    running = false;
    await recovering;
    expect(s.deliveriesSent).toBe(7);
    expect(rescued).toBe(0);
    expect(calls).toBe(7);
    const rows = await engine.db.all<{ status: string; attempts: number }>('SELECT status, attempts FROM digest_deliveries');
    expect(rows.map((r) => [r.status, Number(r.attempts)])).toEqual(Array(7).fill(['sent', 1]));
  });
});

