/**
 * Send windows in each recipient's own time, quiet hours, frequencies
 * (issue 15), on both engines, with the database clock injected: the clock
 * is set to chosen instants, and at each one two replicas run their
 * immediate claim and their window pass side by side. Expected local times
 * come from luxon directly, not from the code under test.
 */
import { DateTime } from 'luxon';
import { beforeEach, expect, it } from 'vitest';
import type { DigestConfig, EventTypeConfig } from '../../src/config/types.js';
import { readDuePage } from '../../src/runner/due-page.js';
import { runDue } from '../../src/runner/run-due.js';
import { selectDueHeldTypesSql } from '../../src/store/event-holds.js';
import { selectDueHeldEventsSql } from '../../src/store/event-claims.js';
import { runType } from '../../src/runner/run.js';
import { toDate } from '../../src/store/db.js';
import { scheduleStatus } from '../../src/scheduler/status.js';
import { shippedConfig, testApp } from '../support/app.js';
import { DatabaseClock } from '../support/database-clock.js';
import { describeEngines, truncateAll } from '../support/engines.js';

const DIGEST = 'Purchase.Requested'; // grouped per supplier (recipient = supplier id)
const RECEIPT = 'Order.Created'; // one message per event (recipient = email)

const request = (n: number, supplier: string) => ({
  request_id: n, supplier_id: Number(supplier), supplier_email: `s${supplier}@supplier.example`,
  customer_email: `c${n}@shop.example`, item: 'nuts', quantity: 1,
});
const order = (n: number, email: string) => ({ email_address: email, order_id: n });

const local = (iso: string, zone: string) => DateTime.fromISO(iso, { zone }).toUTC().toJSDate();

describeEngines('recipient send windows and quiet hours', (engine) => {
  beforeEach(() => truncateAll(engine.db));

  /** Two replicas on one database, with `DIGEST` (and `RECEIPT`) set as given. */
  async function replicas(clock: DatabaseClock, types: Partial<Record<string, Partial<EventTypeConfig>>>) {
    const config: DigestConfig = shippedConfig();
    for (const [type, extra] of Object.entries(types)) config.events[type] = { ...config.events[type]!, ...extra };
    const a = await testApp(engine, { config, databaseNow: clock.now });
    const b = await testApp(engine, { config, databaseNow: clock.now });
    return { a, b, apps: [a, b] };
  }

  let n = 0;
  const recordAt = (app: Awaited<ReturnType<typeof testApp>>, type: string, payload: object, at: Date) =>
    app.recorder.record(type, payload, { availableAt: at, occurredAt: at });

  /** The clock at `at`, then every replica's immediate claim and window pass at once. */
  async function step(clock: DatabaseClock, apps: Array<Awaited<ReturnType<typeof testApp>>>, at: Date, types = [DIGEST]) {
    clock.set(at);
    await Promise.all(apps.flatMap((x) => [...types.map((type) => runType(x.ctx, { type, trigger: 'immediate' })), runDue(x.ctx)]));
  }

  const deliveries = (recipient: string) => engine.db.all<{ id: number; status: string; slotAt: unknown; events: number }>(
    `SELECT d.id, d.status, d.slot_at AS slotAt, COUNT(e.id) AS events FROM digest_deliveries d JOIN digest_events e ON e.delivery_id = d.id
      WHERE d.recipient = ? GROUP BY d.id, d.status, d.slot_at ORDER BY d.id`, [recipient]);
  const sentTo = (apps: Array<Awaited<ReturnType<typeof testApp>>>, recipient: string) =>
    apps.flatMap((x) => x.transport.sent).filter((m) => m.recipient === recipient);

  it('Auckland, Berlin and New York each get their digest at their own 09:00, across a DST change in each hemisphere, once, with two replicas racing', async () => {
    const clock = new DatabaseClock();
    const { a, apps } = await replicas(clock, { [DIGEST]: { cadence: { kind: 'immediate', text: 'immediate' }, deliverAt: '09:00' } });
    const zones: Record<string, string> = { 1: 'Pacific/Auckland', 2: 'Europe/Berlin', 3: 'America/New_York' };
    for (const [r, timeZone] of Object.entries(zones)) await a.app.recipients.setRecipient(r, { timeZone });
    // US DST starts 2027-03-14, the EU's 2027-03-28, New Zealand's ends 2027-04-04: each zone's days either side.
    const days = ['2027-03-13', '2027-03-14', '2027-03-15', '2027-03-27', '2027-03-28', '2027-03-29', '2027-04-03', '2027-04-04', '2027-04-05'];
    for (const day of days) {
      const due = Object.entries(zones).map(([r, zone]) => ({ r, at: local(`${day}T09:00`, zone) })).sort((x, y) => +x.at - +y.at);
      const recorded = new Date(+due[0]!.at - 5 * 3600_000 - 7 * 60_000); // never on another zone's slot
      clock.set(recorded);
      for (const { r } of due) await recordAt(a, DIGEST, request(++n, r), recorded);
      await step(clock, apps, recorded);
      for (const { r, at } of due) {
        const before = (await deliveries(r)).length;
        await step(clock, apps, new Date(+at - 60_000));
        expect((await deliveries(r)).length, `${zones[r]} ${day}: nothing before 09:00 local`).toBe(before);
        await step(clock, apps, new Date(+at + 1_000));
        const after = await deliveries(r);
        expect(after.length, `${zones[r]} ${day}: one digest at 09:00 local`).toBe(before + 1);
        expect(toDate(after.at(-1)!.slotAt)!.getTime(), 'the delivery names its slot').toBe(+at);
      }
    }
    for (const r of Object.keys(zones)) {
      expect(sentTo(apps, r)).toHaveLength(days.length);
      expect((await deliveries(r)).every((d) => Number(d.events) === 1 && d.status === 'sent')).toBe(true);
    }
  });

  it('a window time that DST skips shifts by the gap; one it repeats fires once', async () => {
    const clock = new DatabaseClock();
    const { a, apps } = await replicas(clock, { [DIGEST]: { cadence: { kind: 'immediate', text: 'immediate' }, deliverAt: '02:30' } });
    await a.app.recipients.setRecipient('7', { timeZone: 'Europe/Berlin' });
    // 2027-03-28 02:30 does not exist in Berlin (02:00 → 03:00): it fires at 03:30 CEST = 01:30Z.
    await recordAt(a, DIGEST, request(++n, '7'), new Date('2027-03-27T12:00:00Z'));
    await step(clock, apps, new Date('2027-03-27T12:00:00Z'));
    await step(clock, apps, new Date('2027-03-28T01:29:00Z'));
    expect(await deliveries('7')).toHaveLength(0);
    await step(clock, apps, new Date('2027-03-28T01:30:01Z'));
    expect(await deliveries('7')).toHaveLength(1);
    // 2027-10-31 02:30 happens twice in Berlin (00:30Z CEST, 01:30Z CET): the first fires, the second does not.
    await recordAt(a, DIGEST, request(++n, '7'), new Date('2027-10-30T12:00:00Z'));
    await step(clock, apps, new Date('2027-10-30T12:00:00Z'));
    await step(clock, apps, new Date('2027-10-31T00:30:01Z'));
    expect(await deliveries('7')).toHaveLength(2);
    await recordAt(a, DIGEST, request(++n, '7'), new Date('2027-10-31T01:00:00Z'));
    await step(clock, apps, new Date('2027-10-31T01:00:00Z'));
    await step(clock, apps, new Date('2027-10-31T01:30:01Z'));
    expect(await deliveries('7'), 'the repeated 02:30 is not a second slot').toHaveLength(2);
    await step(clock, apps, new Date('2027-11-01T01:30:01Z')); // 02:30 CET the next day
    expect(await deliveries('7')).toHaveLength(3);
  });

  it('a recipient without a profile is timed in the zone its payload names (timeZoneField), as it is rendered', async () => {
    const clock = new DatabaseClock();
    const { a, apps } = await replicas(clock, { [DIGEST]: { cadence: { kind: 'immediate', text: 'immediate' }, deliverAt: '09:00', timeZoneField: 'item' } });
    const at = new Date('2027-06-01T12:00:00Z');
    // The shop's schema keeps only its own fields: its free-text `item` stands in for a zone field here.
    await recordAt(a, DIGEST, { ...request(++n, '31'), item: 'Asia/Tokyo' }, at);
    await step(clock, apps, at);
    // 09:00 in Tokyo (UTC+9) is 00:00Z: the next one after 12:00Z is June 2nd.
    await step(clock, apps, new Date('2027-06-01T23:59:00Z'));
    expect(await deliveries('31')).toHaveLength(0);
    await step(clock, apps, new Date('2027-06-02T00:00:01Z'));
    expect(await deliveries('31')).toHaveLength(1);
  });

  it('the window pass finds due types through the due-time index, never a scan of every event', async () => {
    const sql = selectDueHeldTypesSql(engine.db);
    if (engine.name === 'mysql') {
      const plan = await engine.db.all<{ key: string | null; type: string }>(`EXPLAIN ${sql}`, [null]);
      expect(plan[0]).toMatchObject({ key: 'digest_events_held', type: 'range' });
    } else {
      // Without ANALYZE statistics SQLite chose to scan the whole claim index (type first, so DISTINCT needs no sort).
      const plan = await engine.db.all<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`, [null]);
      expect(plan.map((p) => p.detail).join('; ')).toMatch(/SEARCH digest_events USING (COVERING )?INDEX digest_events_held \(held_until<\?\)/);
    }
  });

  it('a window run reads due events in due-time order without a sort, and never cuts a recipient\'s events across pages', async () => {
    const due = new Date('2027-03-01T09:00:00Z');
    const sql = selectDueHeldEventsSql(engine.db);
    if (engine.name === 'mysql') {
      const plan = await engine.db.all<{ key: string | null; Extra: string | null }>(`EXPLAIN ${sql}`, [DIGEST, null, 10]);
      expect(plan[0]!.key).toBe('digest_events_claim');
      expect(plan[0]!.Extra ?? '').not.toMatch(/filesort|temporary/i);
    } else {
      const plan = await engine.db.all<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`, [DIGEST, null, 10]);
      expect(plan.map((p) => p.detail).join('; ')).toMatch(/USING (COVERING )?INDEX digest_events_claim/);
      expect(plan.map((p) => p.detail).join('; ')).not.toMatch(/TEMP B-TREE/);
    }
    const { a } = await replicas(new DatabaseClock(), {});
    for (const r of ['41', '41', '41', '42', '42', '42']) await a.recorder.record(DIGEST, request(++n, r));
    await engine.db.run('UPDATE digest_events SET held_until = ?', [engine.name === 'mysql' ? due : '2027-03-01 09:00:00.000']);
    const after = new Date(+due + 1_000);
    // 4 of 6 read: 42's events were cut, so 42 waits whole for the next page.
    const first = await engine.db.transaction((tx) => readDuePage(tx, DIGEST, after, 4));
    expect(first.page.map((p) => [p.recipient, p.outstanding])).toEqual([['41', 3]]);
    expect(first.keys).toHaveLength(3);
    expect(first.more).toBe(true);
    // A page's only recipient is taken even when cut (one delivery takes at most so many anyway).
    const alone = await engine.db.transaction((tx) => readDuePage(tx, DIGEST, after, 2));
    expect(alone.page.map((p) => [p.recipient, p.outstanding])).toEqual([['41', 2]]);
  });

  it('quiet hours defer an immediate delivery to their end; an urgent type goes at once', async () => {
    const clock = new DatabaseClock();
    const { a, apps } = await replicas(clock, {});
    await a.app.recipients.setRecipient('ann@shop.example', { timeZone: 'Europe/Berlin', quietHours: { start: '22:00', end: '07:00' } });
    const late = local('2027-06-10T23:00', 'Europe/Berlin');
    await recordAt(a, RECEIPT, order(++n, 'ann@shop.example'), late);
    await step(clock, apps, late, [RECEIPT]);
    expect(sentTo(apps, 'ann@shop.example')).toHaveLength(0);
    await step(clock, apps, new Date(+local('2027-06-11T07:00', 'Europe/Berlin') - 60_000), [RECEIPT]);
    expect(sentTo(apps, 'ann@shop.example')).toHaveLength(0);
    await step(clock, apps, new Date(+local('2027-06-11T07:00', 'Europe/Berlin') + 1_000), [RECEIPT]);
    expect(sentTo(apps, 'ann@shop.example')).toHaveLength(1);

    const urgent = await replicas(clock, { [RECEIPT]: { urgent: true } });
    await recordAt(urgent.a, RECEIPT, order(++n, 'ann@shop.example'), late);
    await step(clock, urgent.apps, late, [RECEIPT]);
    expect(sentTo(urgent.apps, 'ann@shop.example'), 'urgent: inside quiet hours all the same').toHaveLength(1);
  });

  it('a retry that would land in the recipient\'s quiet hours waits for their end; an urgent type\'s does not', async () => {
    const clock = new DatabaseClock();
    const nextAttempt = async () => toDate((await engine.db.all<{ at: unknown }>(
      'SELECT next_attempt_at AS at FROM digest_deliveries WHERE recipient = ? ORDER BY id DESC LIMIT 1', ['ann@shop.example']))[0]!.at);
    for (const [extra, expected] of [[{}, local('2027-06-11T07:00', 'Europe/Berlin')], [{ urgent: true as const }, null]] as const) {
      await truncateAll(engine.db);
      const { a } = await replicas(clock, { [RECEIPT]: extra });
      await a.app.recipients.setRecipient('ann@shop.example', { timeZone: 'Europe/Berlin', quietHours: { start: '22:00', end: '07:00' } });
      a.transport.failFor.add('ann@shop.example');
      // Two seconds before their quiet hours: the first attempt goes (and fails); any backoff (5 s or more) ends inside them.
      const before = new Date(+local('2027-06-10T22:00', 'Europe/Berlin') - 2_000);
      await recordAt(a, RECEIPT, order(++n, 'ann@shop.example'), before);
      await step(clock, [a], before, [RECEIPT]);
      expect((await deliveries('ann@shop.example')).map((d) => d.status)).toEqual(['failed']);
      const at = await nextAttempt();
      if (expected) expect(at).toEqual(expected);
      else expect(+at! - +before).toBeLessThan(60_000);
    }
  });

  it('daily and weekly recipients of one type each get exactly the events since their previous digest', async () => {
    const clock = new DatabaseClock();
    const { a, apps } = await replicas(clock, { [DIGEST]: { cadence: { kind: 'immediate', text: 'immediate' }, deliverAt: '09:00' } });
    await a.app.recipients.setRecipient('11', { timeZone: 'UTC', preferences: { [DIGEST]: { frequency: 'daily', at: '08:00' } } });
    await a.app.recipients.setRecipient('12', { timeZone: 'UTC', preferences: { [DIGEST]: { frequency: 'weekly', day: 'wed' } } });
    // Two events a day for 14 days from Monday 2027-05-03, at 06:00 and 12:00 UTC.
    for (let d = 0; d < 14; d++) {
      for (const hour of [6, 12]) {
        const at = new Date(Date.UTC(2027, 4, 3 + d, hour));
        for (const r of ['11', '12']) await recordAt(a, DIGEST, request(++n, r), at);
        await step(clock, apps, at);
      }
      for (const hour of [8, 9]) await step(clock, apps, new Date(Date.UTC(2027, 4, 3 + d, hour, 0, 1)));
    }
    const daily = await deliveries('11');
    // 08:00 daily: the first gets Monday 06:00's; each later one the previous day's 12:00 and that day's 06:00.
    expect(daily.map((d) => Number(d.events))).toEqual([1, ...Array(13).fill(2)]);
    const weekly = await deliveries('12');
    // 09:00 Wednesdays (05-05, 05-12): Mon–Wed 06:00 (5 events), then Wed 12:00 to the next Wed 06:00 (14).
    expect(weekly.map((d) => Number(d.events))).toEqual([5, 14]);
    const events = await engine.db.all<{ outstanding: number }>(
      'SELECT COUNT(*) AS outstanding FROM digest_events WHERE delivery_id IS NULL AND recipient = ?', ['12']);
    expect(Number(events[0]!.outstanding), 'the rest waits for the next Wednesday').toBe(14 * 4 - 5 - 14 - 14 * 2);
  });

  it('frequency off: the events are stamped under a delivery born suppressed, and nothing is sent', async () => {
    const clock = new DatabaseClock();
    const { a, apps } = await replicas(clock, {});
    await a.app.recipients.setRecipient('bob@shop.example', { preferences: { [RECEIPT]: { frequency: 'off' } } });
    const told: unknown[] = [];
    for (const x of apps) x.ctx.lifecycle.on('delivery.suppressed', (e) => void told.push({ deliveryId: e.deliveryId, reason: e.reason }));
    const at = new Date('2027-01-05T10:00:00Z');
    for (let i = 0; i < 3; i++) await recordAt(a, RECEIPT, order(++n, 'bob@shop.example'), at);
    await step(clock, apps, at, [RECEIPT]);
    expect(sentTo(apps, 'bob@shop.example')).toHaveLength(0);
    const rows = await deliveries('bob@shop.example');
    expect(rows.map((d) => d.status)).toEqual(['suppressed', 'suppressed', 'suppressed']);
    expect(told, 'each is told (the metrics counter counts these)').toEqual(rows.map((d) => ({ deliveryId: Number(d.id), reason: 'preference off' })));
    const stamped = await engine.db.all<{ n: number }>(
      'SELECT COUNT(*) AS n FROM digest_events WHERE recipient = ? AND processed_at IS NOT NULL', ['bob@shop.example']);
    expect(Number(stamped[0]!.n)).toBe(3);
  });

  it('a changed profile re-times held events: switched to immediate, they go at the next pass', async () => {
    const clock = new DatabaseClock();
    const { a, apps } = await replicas(clock, { [DIGEST]: { cadence: { kind: 'immediate', text: 'immediate' }, deliverAt: '09:00' } });
    const at = new Date('2027-02-02T12:00:00Z');
    await recordAt(a, DIGEST, request(++n, '21'), at);
    await step(clock, apps, at);
    const held = await engine.db.all<{ n: number }>('SELECT COUNT(*) AS n FROM digest_events WHERE held_until IS NOT NULL');
    expect(Number(held[0]!.n)).toBe(1);
    clock.set(new Date(+at + 3600_000));
    const status = (await scheduleStatus(a.ctx)).types.find((t) => t.type === DIGEST)!;
    expect(status, 'held for a window: outstanding, but not late').toMatchObject({ outstanding: 1, held: 1, oldestAgeSeconds: null });
    await a.app.recipients.setRecipient('21', { preferences: { [DIGEST]: { frequency: 'immediate' } } });
    await step(clock, apps, new Date(+at + 3600_000 + 1_000));
    expect(sentTo(apps, '21')).toHaveLength(1);
  });
});
