/**
 * Issue 16, flush early: an urgent event sends its recipient's outstanding
 * events of the type now, in one digest — with two replicas acting on the
 * request at once, and with events a window held — and the recipient's next
 * digest carries only what came after.
 */
import { beforeEach, expect, it } from 'vitest';
import type { DigestConfig, EventTypeConfig } from '../../src/config/types.js';
import { runType } from '../../src/runner/run.js';
import { runUrgent } from '../../src/runner/run-urgent.js';
import { shippedConfig, testApp } from '../support/app.js';
import { DatabaseClock } from '../support/database-clock.js';
import { describeEngines, truncateAll } from '../support/engines.js';

const DIGEST = 'Purchase.Requested'; // every 4 hours, grouped per supplier (recipient = supplier id)

const request = (n: number, supplier: string, rush?: boolean) => ({
  request_id: n, supplier_id: Number(supplier), supplier_email: `s${supplier}@supplier.example`,
  customer_email: `c${n}@shop.example`, item: 'nuts', quantity: 1, ...(rush !== undefined && { rush }),
});

describeEngines('urgent events flush their recipient now', (engine) => {
  beforeEach(() => truncateAll(engine.db));

  async function replicas(extra: Partial<EventTypeConfig>, clock = new DatabaseClock()) {
    const config: DigestConfig = shippedConfig();
    config.events[DIGEST] = { ...config.events[DIGEST]!, ...extra };
    const a = await testApp(engine, { config, databaseNow: clock.now });
    const b = await testApp(engine, { config, databaseNow: clock.now });
    return { a, b, apps: [a, b] };
  }
  let n = 0;
  const deliveries = (recipient: string) => engine.db.all<{ id: number; events: number }>(
    `SELECT d.id, COUNT(e.id) AS events FROM digest_deliveries d JOIN digest_events e ON e.delivery_id = d.id
      WHERE d.recipient = ? GROUP BY d.id ORDER BY d.id`, [recipient]).then((rows) => rows.map((r) => Number(r.events)));
  const flushes = () => engine.db.all<{ recipient: string }>('SELECT recipient FROM digest_flushes');

  it('one digest of everything waiting, with two replicas on the request; the next digest has only what came after', async () => {
    const { a, b, apps } = await replicas({ urgent: 'rush' });
    for (let i = 0; i < 3; i++) await a.recorder.record(DIGEST, request(++n, '7'));
    await a.recorder.record(DIGEST, request(++n, '8', false));
    // Nothing asks for 7's digest yet: the pass sends nothing.
    expect((await runUrgent(a.ctx)).length).toBe(0);
    await b.recorder.recordMany([{ type: DIGEST, payload: request(++n, '7', true) }]);
    expect(await flushes()).toEqual([{ recipient: '7' }]);
    await Promise.all(apps.map((x) => runUrgent(x.ctx)));
    expect(await deliveries('7'), 'one digest, all four events').toEqual([4]);
    expect(await deliveries('8'), 'another supplier waits for the tick').toEqual([]);
    expect(apps.flatMap((x) => x.transport.sent).map((m) => m.recipient)).toEqual(['7']);
    // The request is dropped once its event went out; a later pass claims nothing.
    await runUrgent(a.ctx);
    expect(await flushes()).toEqual([]);

    await a.recorder.record(DIGEST, request(++n, '7'));
    await runType(a.ctx, { type: DIGEST, trigger: 'tick', slotAt: new Date(Date.UTC(2030, 0, 1, 4)) });
    expect(await deliveries('7'), 'the tick: only the event after the flush').toEqual([4, 1]);
    expect(await deliveries('8')).toEqual([1]);
  });

  it('a claim that takes an urgent event takes its recipient\'s held events too, past their window and quiet hours', async () => {
    const clock = new DatabaseClock();
    const { a } = await replicas({ urgent: 'rush', cadence: { kind: 'immediate', text: 'immediate' } }, clock);
    clock.set(new Date('2027-06-10T12:00:00Z'));
    await a.app.recipients.setRecipient('21', {
      timeZone: 'UTC', quietHours: { start: '11:00', end: '13:00' }, preferences: { [DIGEST]: { frequency: 'daily', at: '09:00' } },
    });
    await a.recorder.record(DIGEST, request(++n, '21'), { availableAt: new Date('2027-06-10T12:00:00Z') });
    await runType(a.ctx, { type: DIGEST, trigger: 'immediate' });
    expect(await deliveries('21'), 'held for tomorrow 09:00').toEqual([]);
    await a.recorder.record(DIGEST, request(++n, '21', true), { availableAt: new Date('2027-06-10T12:00:00Z') });
    // The immediate claim, not the urgent pass, takes the rush event: it brings the held one along.
    await runType(a.ctx, { type: DIGEST, trigger: 'immediate' });
    expect(await deliveries('21'), 'one digest, inside quiet hours, before the window').toEqual([2]);
    await runUrgent(a.ctx);
    expect(await flushes()).toEqual([]);
  });

  it('a producer\'s future event waits: its request stays until the event is due', async () => {
    const clock = new DatabaseClock();
    const { a } = await replicas({ urgent: true }, clock);
    clock.set(new Date('2027-06-10T12:00:00Z'));
    await a.recorder.record(DIGEST, request(++n, '31'), { availableAt: new Date('2027-06-10T13:00:00Z') });
    expect(await runUrgent(a.ctx)).toEqual([]);
    expect(await flushes()).toEqual([{ recipient: '31' }]);
    clock.set(new Date('2027-06-10T13:00:01Z'));
    await runUrgent(a.ctx);
    expect(await deliveries('31')).toEqual([1]);
  });

  it('drops a request whose event is gone (pruned), even of a type no longer configured', async () => {
    const { a } = await replicas({});
    await engine.db.run('INSERT INTO digest_flushes (type, recipient, event_id) VALUES (?, ?, ?)', ['Gone.Type', '51', 999_999]);
    await runUrgent(a.ctx);
    expect(await flushes()).toEqual([]);
  });

  it('an urgent event recorded in a transaction rolled back leaves no request', async () => {
    const { a } = await replicas({ urgent: true });
    const tx = await engine.callerTx();
    try {
      await a.recorder.record(DIGEST, request(++n, '41'), { tx: tx.tx });
      await tx.rollback();
    } finally {
      await tx.close();
    }
    expect(await flushes()).toEqual([]);
  });
});
