import { beforeEach, expect, it } from 'vitest';
import type { DigestConfig } from '../../src/config/types.js';
import { parseCadence } from '../../src/config/cadence.js';
import { startScheduler } from '../../src/scheduler/scheduler.js';
import { finishRun, insertRun } from '../../src/store/runs.js';
import { selectRuns } from '../../src/store/read-pages.js';
import type { Db } from '../../src/store/db.js';
import { openDb } from '../../src/store/open.js';
import { describeEngines, truncateAll } from '../support/engines.js';
import { FakeClock } from '../support/fake-clock.js';
import { shippedConfig, testApp } from '../support/app.js';
import { nextEvent } from '../support/events.js';

const request = (i: number, supplier: number) => ({
  request_id: i + 1, supplier_id: supplier + 1, supplier_email: `s${supplier}@supplier.example`,
  customer_email: `c${i}@shop.example`, item: 'nuts', quantity: 2,
});

/** Only Purchase.Requested, on its shipped 4-hourly cron. */
function cronOnly(): DigestConfig {
  const c = shippedConfig();
  return { ...c, events: { 'Purchase.Requested': c.events['Purchase.Requested']! } };
}

/** A slot whose run finished (an unfinished one would be resumed). */
async function finishedSlot(db: Db, slotAt: string) {
  const id = (await insertRun(db, { eventType: 'Purchase.Requested', slotAt: new Date(slotAt), trigger: 'tick', owner: 'earlier' }))!;
  await finishRun(db, id, 'succeeded', { eventsClaimed: 0, deliveriesCreated: 0, deliveriesSent: 0, deliveriesFailed: 0 }, null);
}

describeEngines('scheduler', (engine) => {
  beforeEach(() => truncateAll(engine.db));

  it('two schedulers on the same cron tick make one run row and one delivery per recipient', async () => {
    const config = cronOnly();
    const clock = new FakeClock('2026-11-21T11:59:59Z');
    // The 08:00 slot already ran, so start-up has nothing to catch up.
    await finishedSlot(engine.db, '2026-11-21T08:00:00Z');
    const one = await testApp(engine, { config });
    const two = await testApp(engine, { config });
    await one.recorder.recordMany(Array.from({ length: 30 }, (_, i) => ({ type: 'Purchase.Requested', payload: request(i, i % 6) })));
    const schedulers = await Promise.all([one, two].map((x) => startScheduler(x.ctx, { clock, recoveryPollMs: 60_000 })));
    try {
      const ran = nextEvent([one.ctx.lifecycle, two.ctx.lifecycle], 'run.finished');
      clock.set('2026-11-21T12:00:00Z');
      await ran;
      const runs = await selectRuns(engine.db, 'Purchase.Requested');
      expect(runs[1]).toMatchObject({ trigger: 'tick', slotAt: new Date('2026-11-21T12:00:00Z'), status: 'succeeded', deliveriesSent: 6 });
      const recipients = [...one.transport.sent, ...two.transport.sent].map((m) => m.recipient).sort();
      expect(recipients).toEqual(['1', '2', '3', '4', '5', '6']);
    } finally {
      await Promise.all(schedulers.map((s) => s.stop()));
    }
    // Both saw the tick; the unique slot let exactly one of them run it.
    expect(await selectRuns(engine.db, 'Purchase.Requested')).toHaveLength(2);
  });

  it('catches up once on start when the last slot is older than the most recent due slot', async () => {
    const config = cronOnly();
    const clock = new FakeClock('2026-11-21T13:10:00Z');
    await finishedSlot(engine.db, '2026-11-21T04:00:00Z');
    const x = await testApp(engine, { config });
    await x.recorder.recordMany(Array.from({ length: 10 }, (_, i) => ({ type: 'Purchase.Requested', payload: request(i, i % 2) })));
    const caughtUp = nextEvent(x.ctx.lifecycle, 'run.finished');
    const scheduler = await startScheduler(x.ctx, { clock, recoveryPollMs: 60_000 });
    try {
      await caughtUp;
      const runs = await selectRuns(engine.db, 'Purchase.Requested');
      // One catch-up for the most recent due slot (12:00), not one per missed slot.
      expect(runs[1]).toMatchObject({ trigger: 'catchup', slotAt: new Date('2026-11-21T12:00:00Z'), deliveriesSent: 2 });
      expect(x.transport.sent).toHaveLength(2);
    } finally {
      await scheduler.stop();
    }
  });

  it('does not skip a slot that falls due while the start-up catch-up is running', async () => {
    const config = cronOnly();
    const clock = new FakeClock('2026-11-21T11:59:59Z');
    const x = await testApp(engine, { config });
    await x.recorder.record('Purchase.Requested', request(1, 1));
    const scheduler = await startScheduler(x.ctx, { clock, recoveryPollMs: 60_000 });
    try {
      // The catch-up for 08:00 is still doing its I/O when 12:00 arrives.
      const ticked = nextEvent(x.ctx.lifecycle, 'run.finished', (r) => r.trigger === 'tick');
      clock.set('2026-11-21T12:00:00Z');
      await ticked;
      const runs = await selectRuns(engine.db, 'Purchase.Requested');
      expect(runs.map((r) => [r.trigger, r.slotAt?.toISOString()])).toEqual([
        ['catchup', '2026-11-21T08:00:00.000Z'],
        ['tick', '2026-11-21T12:00:00.000Z'],
      ]);
    } finally {
      await scheduler.stop();
    }
  });

  it('refuses to start on an unmigrated database', async () => {
    const fresh = await engine.createEmpty();
    const empty = openDb(fresh.url);
    try {
      const x = await testApp({ ...engine, db: empty }, { config: cronOnly() });
      await expect(startScheduler(x.ctx)).rejects.toThrow(/not migrated.*digest migrate/);
    } finally {
      await empty.close();
      await fresh.drop();
    }
  });

  it('a cadence string from the config is what the scheduler uses', () => {
    expect(cronOnly().events['Purchase.Requested']!.cadence).toEqual(parseCadence('0 */4 * * *', 'UTC'));
  });
});
