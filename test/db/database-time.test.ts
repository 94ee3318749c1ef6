import { beforeEach, expect, it } from 'vitest';
import { recoverDeliveries } from '../../src/runner/recover.js';
import { runType } from '../../src/runner/run.js';
import { toDate } from '../../src/store/db.js';
import { insertDeliveries } from '../../src/store/deliveries.js';
import { renewLeases, selectReclaimable } from '../../src/store/delivery-leases.js';
import { markFailed } from '../../src/store/delivery-marks.js';
import { selectOutstandingRecipients } from '../../src/store/event-claims.js';
import { selectOutstandingStats } from '../../src/store/read-model.js';
import { closeAbandonedRuns } from '../../src/store/runs.js';
import { testApp } from '../support/app.js';
import { DatabaseClock } from '../support/database-clock.js';
import { describeEngines, truncateAll } from '../support/engines.js';
import { seedEvent, seedRun, seedWorker } from '../support/factory.js';

/** Far from the host's clock, so only the injected time can make these pass. */
const T = new Date('2031-03-04T05:06:07.890Z');
const at = (ms: number) => new Date(T.getTime() + ms);
const TYPES = ['Order.Created'];

describeEngines('injected database time', (engine) => {
  beforeEach(() => truncateAll(engine.db));

  it('a lease expires exactly when the injected clock reaches it, not before; a renewal moves it', async () => {
    await insertDeliveries(engine.db, [{ runId: 1, eventType: 'Order.Created', recipient: 'a', groupKey: 'a', transport: 'console' }], { token: 'tok', ms: 30_000 }, T);
    expect(await selectReclaimable(engine.db, TYPES, 10, at(29_999))).toEqual([]);
    expect(await selectReclaimable(engine.db, TYPES, 10, at(30_000))).toEqual([{ id: expect.any(Number), status: 'pending' }]);
    // The database clock (now, years before T) sees a lease that runs until T + 30 s.
    expect(await selectReclaimable(engine.db, TYPES, 10)).toEqual([]);
    const [{ id }] = await selectReclaimable(engine.db, TYPES, 10, at(30_000));
    expect(await renewLeases(engine.db, 'tok', [id!], 30_000, at(10_000))).toBe(1);
    expect(await selectReclaimable(engine.db, TYPES, 10, at(39_999))).toEqual([]);
    expect(await selectReclaimable(engine.db, TYPES, 10, at(40_000))).toHaveLength(1);
  });

  it('a backoff is due exactly when the injected clock passes it', async () => {
    await insertDeliveries(engine.db, [{ runId: 1, eventType: 'Order.Created', recipient: 'a', groupKey: 'a', transport: 'console' }], { token: 'tok', ms: 1_000 }, T);
    const [{ id }] = await selectReclaimable(engine.db, TYPES, 10, at(1_000));
    expect(await markFailed(engine.db, id!, 'tok', 'boom', 5_000, at(2_000))).toBe(true);
    expect(await selectReclaimable(engine.db, TYPES, 10, at(6_999))).toEqual([]);
    expect(await selectReclaimable(engine.db, TYPES, 10, at(7_000))).toEqual([{ id, status: 'failed' }]);
  });

  it('an event is due, and ages, by the injected clock', async () => {
    await seedEvent(engine.db, { recipient: 'later@shop.example', availableAt: at(60_000), recordedAt: T });
    expect(await selectOutstandingRecipients(engine.db, 'Order.Created', null, 10, at(59_999))).toEqual([]);
    expect(await selectOutstandingRecipients(engine.db, 'Order.Created', null, 10, at(60_000)))
      .toEqual([{ recipient: 'later@shop.example', outstanding: 1, since: at(60_000) }]);
    const [stats] = await selectOutstandingStats(engine.db, at(90_000));
    expect(stats).toMatchObject({ outstanding: 1, waitingSince: at(60_000), now: at(90_000) });
  });

  it('a run is abandoned once its owner\'s heartbeat is older than the stale time, by the injected clock', async () => {
    await seedWorker(engine.db, { id: 'w1', heartbeatAt: T });
    await seedRun(engine.db, { owner: 'w1', startedAt: T });
    expect(await closeAbandonedRuns(engine.db, 10_000, at(9_999))).toBe(0);
    expect(await closeAbandonedRuns(engine.db, 10_000, at(10_001))).toBe(1);
  });

  it('the runner honours RunnerContext.databaseNow: a failed delivery is retried only once the moved clock makes it due', async () => {
    const clock = new DatabaseClock();
    const { ctx, recorder, transport } = await testApp(engine, { databaseNow: clock.now, retryBaseMs: 60_000 });
    transport.failFor.add('ann@shop.example');
    await recorder.record('Order.Created', { email_address: 'ann@shop.example', order_id: 1 });
    clock.set(T);
    expect(await runType(ctx, { type: 'Order.Created', trigger: 'immediate' })).toMatchObject({ deliveriesFailed: 1 });
    transport.failFor.clear();
    expect(await recoverDeliveries(ctx)).toEqual([]);
    clock.advance(29_000); // the first retry waits 30–60 s (half of it jitter)
    expect(await recoverDeliveries(ctx)).toEqual([]);
    clock.advance(3_600_000);
    expect(await recoverDeliveries(ctx)).toEqual(['sent']);
    const [row] = await engine.db.all<{ sentAt: unknown }>('SELECT sent_at AS sentAt FROM digest_deliveries');
    expect(toDate(row!.sentAt)).toEqual(at(3_629_000));
  });
});
