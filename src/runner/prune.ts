import type { Retention } from '../config/retention.js';
import type { Db } from '../store/db.js';
import {
  countPrunableDeliveries, countPrunableEvents, countPrunableRuns, deleteFinishedRuns, deleteProcessedEvents, deleteSentDeliveries,
  selectPrunableDeliveryIds, selectPrunableEventIds, selectPrunableRunIds,
} from '../store/retention.js';

export interface PruneCounts {
  events: number;
  deliveries: number;
  runs: number;
}

/** Rows per DELETE: each is one short statement, so no lock is held long and replication never lags behind one huge delete. */
export const PRUNE_BATCH = 1_000;

export interface PruneOptions {
  dryRun?: boolean;
  batch?: number;
  signal?: AbortSignal;
  /** After each batch: the table and how many rows of it are gone so far. */
  onProgress?: (table: keyof PruneCounts, deleted: number) => void;
}

const TABLES = {
  // Events first: a pruned delivery's events are otherwise left pointing at nothing for a while.
  events: { ms: (r: Retention) => r.eventsMs, select: selectPrunableEventIds, remove: deleteProcessedEvents, count: countPrunableEvents },
  deliveries: { ms: (r: Retention) => r.deliveriesMs, select: selectPrunableDeliveryIds, remove: deleteSentDeliveries, count: countPrunableDeliveries },
  runs: { ms: (r: Retention) => r.runsMs, select: selectPrunableRunIds, remove: deleteFinishedRuns, count: countPrunableRuns },
} as const;

/**
 * Deletes processed events, sent deliveries and finished runs older than
 * their retention, in batches (select a batch of ids, delete those still
 * prunable). Dead deliveries and their events are kept until handled. With
 * `dryRun`, counts what would go and deletes nothing. `now` is the caller's
 * clock: retention is days long, so one host's clock is close enough.
 */
export async function pruneOld(db: Db, retention: Retention, now: Date, opts: PruneOptions = {}): Promise<PruneCounts> {
  const counts: PruneCounts = { events: 0, deliveries: 0, runs: 0 };
  const batch = opts.batch ?? PRUNE_BATCH;
  for (const table of Object.keys(TABLES) as Array<keyof PruneCounts>) {
    const t = TABLES[table];
    const before = new Date(now.getTime() - t.ms(retention));
    if (opts.dryRun) {
      counts[table] = await t.count(db, before);
      continue;
    }
    for (;;) {
      if (opts.signal?.aborted) return counts;
      const ids = await t.select(db, before, batch);
      if (ids.length === 0) break;
      counts[table] += await t.remove(db, ids, before);
      opts.onProgress?.(table, counts[table]);
      if (ids.length < batch) break;
    }
  }
  return counts;
}
