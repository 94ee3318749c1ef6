import { beforeEach, expect, it } from 'vitest';
import { DEFAULT_RETENTION } from '../../src/config/retention.js';
import { pruneOld } from '../../src/runner/prune.js';
import { startScheduler } from '../../src/scheduler/scheduler.js';
import type { Db } from '../../src/store/db.js';
import { DELIVERY_COUNTS_SQL, outstandingStatsSql } from '../../src/store/read-model.js';
import { runCli } from '../support/cli.js';
import { receiptsToConsole, writeSchedules } from '../support/config-file.js';
import { testApp, shippedConfig } from '../support/app.js';
import { describeEngines, truncateAll } from '../support/engines.js';
import { seedDelivery, seedEvent, seedRun } from '../support/factory.js';
import { FakeClock } from '../support/fake-clock.js';
import { nextEvent } from '../support/events.js';

const NOW = new Date('2026-12-31T00:00:00Z');
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000);
const ids = async (db: Db, table: string) => (await db.all<{ id: number }>(`SELECT id FROM ${table} ORDER BY id`)).map((r) => Number(r.id));

/**
 * Events 1–4 processed 40 days ago, 5 processed 10 days ago, 6 outstanding,
 * 7 in a dead delivery (never processed) recorded 90 days ago. Deliveries:
 * 1 sent 40 days ago, 2 sent 10 days ago, 3 dead since 90 days. Runs: 1 a
 * manual run finished 40 days ago, 2 an older slot and 3 the type's latest
 * slot, both finished 40 days ago, 4 still running since 40 days.
 */
async function seed(db: Db) {
  for (const [id, processed, delivery] of [[1, 40, 1], [2, 40, 1], [3, 40, 1], [4, 40, 1], [5, 10, 2], [6, null, null], [7, null, 3]] as const) {
    await seedEvent(db, { id, payload: {}, recordedAt: daysAgo(90), processedAt: processed == null ? null : daysAgo(processed), deliveryId: delivery });
  }
  for (const [id, status, sent] of [[1, 'sent', 40], [2, 'sent', 10], [3, 'dead', null]] as const) {
    await seedDelivery(db, { id, groupKey: `#${id}`, status, createdAt: daysAgo(90), sentAt: sent == null ? null : daysAgo(sent) });
  }
  for (const [id, slot, status] of [[1, null, 'succeeded'], [2, '2026-10-01T00:00:00Z', 'succeeded'], [3, '2026-11-01T00:00:00Z', 'succeeded'], [4, null, 'running']] as const) {
    await seedRun(db, {
      id, eventType: 'Purchase.Requested', slotAt: slot == null ? null : new Date(slot), trigger: slot ? 'tick' : 'manual', status, owner: 'x',
      startedAt: daysAgo(40), finishedAt: status === 'running' ? null : daysAgo(40),
    });
  }
}

describeEngines('retention', (engine) => {
  beforeEach(() => truncateAll(engine.db));

  it('prunes processed events, sent deliveries and finished runs past retention in batches; keeps dead work, outstanding events and each type\'s latest slot', async () => {
    await seed(engine.db);
    const dry = await pruneOld(engine.db, DEFAULT_RETENTION, NOW, { dryRun: true });
    expect(dry).toEqual({ events: 4, deliveries: 1, runs: 2 });
    expect(await ids(engine.db, 'digest_events')).toHaveLength(7);

    const progress: Array<[string, number]> = [];
    const done = await pruneOld(engine.db, DEFAULT_RETENTION, NOW, { batch: 2, onProgress: (t, n) => progress.push([t, n]) });
    expect(done).toEqual({ events: 4, deliveries: 1, runs: 2 });
    expect(progress).toEqual([['events', 2], ['events', 4], ['deliveries', 1], ['runs', 2]]);
    expect(await ids(engine.db, 'digest_events')).toEqual([5, 6, 7]);
    expect(await ids(engine.db, 'digest_deliveries')).toEqual([2, 3]);
    expect(await ids(engine.db, 'digest_runs')).toEqual([3, 4]);
    // Nothing left to do: a second pass deletes nothing.
    expect(await pruneOld(engine.db, DEFAULT_RETENTION, NOW)).toEqual({ events: 0, deliveries: 0, runs: 0 });
    // A shorter retention reaches the 10-day-old rows too.
    const week = { eventsMs: 7 * 86_400_000, deliveriesMs: 7 * 86_400_000, runsMs: 7 * 86_400_000 };
    expect(await pruneOld(engine.db, week, NOW)).toEqual({ events: 1, deliveries: 1, runs: 0 });
  });

  it('the scheduler prunes at start and then hourly, by its clock and the schedules file\'s retention', async () => {
    await seed(engine.db);
    const clock = new FakeClock(NOW);
    const config = { ...shippedConfig(), events: {}, retention: { ...DEFAULT_RETENTION, eventsMs: 20 * 86_400_000 } };
    const x = await testApp(engine, { config });
    const atStart = nextEvent(x.ctx.lifecycle, 'prune.done');
    const s = await startScheduler(x.ctx, { clock, recoveryPollMs: 60_000 });
    try {
      // (Run 4, 'running' for a dead owner, is closed by the same pass, with the
      // database's time as its end — which this test's clock is ahead of.)
      await atStart;
      expect((await ids(engine.db, 'digest_runs')).some((id) => id === 1 || id === 2)).toBe(false);
      expect(await ids(engine.db, 'digest_events')).toEqual([5, 6, 7]);
      expect(await ids(engine.db, 'digest_runs')).toContain(3);
      // Event 5 (processed 10 days ago) passes 20 days ten days later, at the next hourly pass after that.
      const hourly = nextEvent(x.ctx.lifecycle, 'prune.done');
      clock.set(new Date(NOW.getTime() + 10 * 86_400_000 + 1_000));
      await hourly;
      expect(await ids(engine.db, 'digest_events')).toEqual([6, 7]);
    } finally {
      await s.stop();
    }
  });

  it('digest prune --dry-run counts, digest prune deletes; --json output (and a stderr that is no terminal) carries no progress line', async () => {
    const old = daysAgo(400).toISOString().replace('T', ' ').replace('Z', '');
    // Bulk rows in raw multi-row INSERTs, 1,000 a statement: the factory writes one row at a time.
    for (let i = 0; i < 12; i++) {
      await engine.db.run(`INSERT INTO digest_events (type, recipient, payload, processed_at) VALUES ${Array(1000).fill(`('Order.Created', 'a@b.example', '{}', '${old}')`).join(', ')}`);
    }
    const config = writeSchedules(`${receiptsToConsole}retention: { events: 30d }\n`);
    const env = { DATABASE_URL: engine.url };
    const dry = await runCli(['prune', '--dry-run', '--config', config], env);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/processed events\s+12000/);
    expect(dry.stdout).toContain('dry run, nothing deleted');
    const real = await runCli(['prune', '--config', config, '--json'], env);
    expect(real.code).toBe(0);
    expect(JSON.parse(real.stdout)).toEqual({ dryRun: false, events: 12000, deliveries: 0, runs: 0 });
    // The progress line is for a person at a terminal (cli/progress.ts; test/unit/progress.test.ts).
    expect(real.stderr).not.toMatch(/prune:|deleted so far|\r/);
    expect(real.stdout).not.toMatch(/prune:|deleted so far|\r/);
    expect(await ids(engine.db, 'digest_events')).toEqual([]);
  });
});

describeEngines('status and /metrics queries', (engine) => {
  it('are served by indexes, not a full scan of digest_deliveries or digest_events (EXPLAIN)', async () => {
    // Bulk rows in raw multi-row INSERTs, 1,000 a statement: the factory writes one row at a time.
    for (let b = 0; b < 5; b++) {
      await engine.db.run(`INSERT INTO digest_events (type, recipient, payload, delivery_id) VALUES ${
        Array.from({ length: 1000 }, (_, i) => `('T${i % 5}', 'r${i % 300}', '{}', ${i % 20 === 0 ? 'NULL' : b * 1000 + i + 1})`).join(', ')}`);
      await engine.db.run(`INSERT INTO digest_deliveries (run_id, event_type, recipient, group_key, status, transport) VALUES ${
        Array.from({ length: 1000 }, (_, i) => `(${b}, 'T${i % 5}', 'r${i}', 'r${i}', '${['sent', 'sent', 'sent', 'dead', 'pending'][i % 5]}', 'x')`).join(', ')}`);
    }
    await engine.db.run('ANALYZE TABLE digest_events, digest_deliveries');
    const explain = (sql: string, params: unknown[] = []) => engine.db.all<{ table: string; type: string; key: string | null; Extra: string }>(`EXPLAIN ${sql}`, params);

    const counts = await explain(DELIVERY_COUNTS_SQL);
    expect(counts).toHaveLength(1);
    // Walks the (event_type, status) index alone ("Using index"): no row of the table is read.
    expect(counts[0]).toMatchObject({ table: 'digest_deliveries', key: 'digest_deliveries_type_status', Extra: expect.stringContaining('Using index') });
    expect(counts[0]!.type).not.toBe('ALL');

    const outstanding = await explain(outstandingStatsSql(engine.db), [null, null, null]) // now ×3: the database clock;
    expect(outstanding).toHaveLength(1);
    // Only the outstanding rows, found by delivery_id IS NULL.
    expect(outstanding[0]).toMatchObject({ table: 'digest_events', key: 'digest_events_delivery', type: 'ref' });
  });
}, ['mysql']);
