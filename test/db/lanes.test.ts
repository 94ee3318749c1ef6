import { crc32 } from 'node:zlib';
import { beforeEach, expect, it } from 'vitest';
import { runType } from '../../src/runner/run.js';
import { WorkerLanes } from '../../src/scheduler/worker-lanes.js';
import { selectOutstandingRecipients } from '../../src/store/event-claims.js';
import { testApp } from '../support/app.js';
import { describeEngines, truncateAll } from '../support/engines.js';
import { seedWorker } from '../support/factory.js';

const RECIPIENTS = Array.from({ length: 24 }, (_, i) => `r${i}@shop.example`);
/** The lane a recipient falls in, computed here the way the database does (CRC32 of its UTF-8 bytes). */
const laneOf = (r: string, count: number) => crc32(r) % count;
const orders = (recipients: readonly string[]) =>
  recipients.map((r, i) => ({ type: 'Order.Created', payload: { email_address: r, order_id: i + 1 } }));
const byLane = (count: number, index: number) => RECIPIENTS.filter((r) => laneOf(r, count) === index).sort();

describeEngines('recipient lanes', (engine) => {
  beforeEach(() => truncateAll(engine.db));

  it('the lanes of a count partition the outstanding recipients, as CRC32 modulo the count; outside a lane is the rest', async () => {
    const { recorder } = await testApp(engine);
    await recorder.recordMany(orders(RECIPIENTS));
    const read = async (index: number, inside: boolean) =>
      (await selectOutstandingRecipients(engine.db, 'Order.Created', null, 100, undefined, { count: 3, index, inside })).map((r) => r.recipient).sort();
    const lanes = [await read(0, true), await read(1, true), await read(2, true)];
    for (const [index, lane] of lanes.entries()) {
      expect(lane).toEqual(byLane(3, index));
      expect(lane.length, 'each lane has some of 24 recipients').toBeGreaterThan(0);
      expect(await read(index, false)).toEqual(RECIPIENTS.filter((r) => !lane.includes(r)).sort());
    }
    // The cursor still applies inside a lane.
    const [first, ...rest] = lanes[0]!;
    const after = await selectOutstandingRecipients(engine.db, 'Order.Created', first!, 100, undefined, { count: 3, index: 0, inside: true });
    expect(after.map((r) => r.recipient).sort()).toEqual(rest);
  });

  it('an immediate run with a lane takes its own recipients only while they have work, the others when they have none or on a sweep', async () => {
    const { ctx, recorder, transport } = await testApp(engine);
    const lane = { count: 2, index: 0 };
    const mine = byLane(2, 0);
    const theirs = byLane(2, 1);
    const sentTo = () => transport.sent.map((m) => m.to).sort();
    const claims: number[] = [];
    ctx.lifecycle.on('page.claimed', (e) => claims.push(e.events));
    await recorder.recordMany(orders(RECIPIENTS));

    const first = await runType(ctx, { type: 'Order.Created', trigger: 'immediate', lane });
    expect(first.eventsClaimed).toBe(mine.length);
    expect(claims, 'one claim transaction, told once committed').toEqual([mine.length]);
    expect(sentTo()).toEqual(mine);

    // Its own range is empty now: the next run helps with the rest.
    const second = await runType(ctx, { type: 'Order.Created', trigger: 'immediate', lane });
    expect(second.eventsClaimed).toBe(theirs.length);
    expect(sentTo()).toEqual([...RECIPIENTS].sort());

    // A sweep: both ranges in one run, each recipient once.
    transport.sent.length = 0;
    await recorder.recordMany(orders(RECIPIENTS));
    const swept = await runType(ctx, { type: 'Order.Created', trigger: 'immediate', lane, sweep: true });
    expect(swept.eventsClaimed).toBe(RECIPIENTS.length);
    expect(sentTo()).toEqual([...RECIPIENTS].sort());
    expect(await selectOutstandingRecipients(engine.db, 'Order.Created', null, 100)).toEqual([]);
  });

  it('a scheduler\'s lane is its place among the schedulers with a fresh heartbeat, in id order; alone it has none', async () => {
    const { ctx } = await testApp(engine);
    const T = new Date('2031-03-04T05:06:07.890Z');
    const ago = (ms: number) => new Date(T.getTime() - ms);
    const lanes = new WorkerLanes({ ...ctx, databaseNow: () => T }, 30_000);
    await seedWorker(engine.db, { id: ctx.owner, heartbeatAt: T });
    await lanes.refresh();
    expect(lanes.current()).toBeUndefined();

    // '~' sorts after the owner's `<host>:<pid>:…`, '!' before it; a stale heartbeat does not count.
    await seedWorker(engine.db, { id: '~later', heartbeatAt: ago(30_000) });
    await seedWorker(engine.db, { id: '!earlier', heartbeatAt: ago(10_000) });
    await seedWorker(engine.db, { id: '!!stale', heartbeatAt: ago(30_001) });
    await lanes.refresh();
    expect(lanes.current()).toEqual({ count: 3, index: 1 });
  });
});
