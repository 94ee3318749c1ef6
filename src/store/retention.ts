/**
 * Retention (config `retention`, runner/prune.ts): per table, the ids that
 * may go (oldest first, bounded), the delete of those ids (the condition
 * checked again: one short statement, no lock held in between), and a count
 * for `digest prune --dry-run`. Dead deliveries and their events are never
 * chosen; nor is each type's latest slot run.
 */
import { type Executor, placeholders } from './db.js';

/**
 * Each table's condition is written once and used by its select, delete and
 * count alike, so `--dry-run` counts exactly what a prune would delete.
 */
// Unprocessed events — outstanding, or in a dead or retrying delivery — have no processed_at.
const EVENTS = 'processed_at < ?';
// Dead, failed and pending deliveries are kept.
const DELIVERIES = "status = 'sent' AND sent_at < ?";
// Cancelled ones (never sent: runner/cancel.ts) go like sent ones, by the
// time they were cancelled. Picked apart from the sent ones, so each pick
// ranges over its own part of digest_deliveries_sent (status first).
const CANCELLED = "status = 'cancelled' AND updated_at < ?";
// Each type's latest slot run is never chosen: its unique (event_type, slot_at)
// row is what stops a long cadence (monthly, say) from firing that slot again after a restart.
const FINISHED_RUNS = "status IN ('succeeded', 'failed', 'stopped', 'abandoned') AND finished_at < ?";
const RUNS = `${FINISHED_RUNS}
  AND (slot_at IS NULL OR EXISTS (SELECT 1 FROM digest_runs later WHERE later.event_type = r.event_type AND later.slot_at > r.slot_at))`;

/**
 * `where` picks (and counts) with the table aliased `r`; `recheck` is what
 * the delete checks again. For runs it leaves out the latest-slot subquery:
 * MySQL refuses a DELETE whose subquery reads its own table, and a run
 * picked as not-latest stays not-latest.
 */
const TABLES = {
  events: { table: 'digest_events', where: EVENTS, recheck: EVENTS, order: ' ORDER BY processed_at' },
  deliveries: { table: 'digest_deliveries', where: DELIVERIES, recheck: DELIVERIES, order: ' ORDER BY sent_at' },
  cancelled: { table: 'digest_deliveries', where: CANCELLED, recheck: CANCELLED, order: '' },
  // No ORDER BY: the scan over digest_runs_status stops at the limit.
  runs: { table: 'digest_runs', where: RUNS, recheck: FINISHED_RUNS, order: '' },
} as const;
type Table = keyof typeof TABLES;

async function selectIds(ex: Executor, t: Table, before: Date, limit: number): Promise<number[]> {
  const { table, where, order } = TABLES[t];
  const rows = await ex.all<{ id: number }>(`SELECT r.id FROM ${table} r WHERE ${where}${order} LIMIT ?`, [before, limit]);
  return rows.map((r) => Number(r.id));
}

/** Deletes these rows if still prunable (checked again: one short statement, no lock held in between). */
async function deleteIds(ex: Executor, t: Table, ids: readonly number[], before: Date): Promise<number> {
  if (ids.length === 0) return 0;
  const { table, recheck } = TABLES[t];
  return (await ex.run(`DELETE FROM ${table} WHERE id IN (${placeholders(ids.length)}) AND ${recheck}`, [...ids, before])).affectedRows;
}

async function count(ex: Executor, t: Table, before: Date): Promise<number> {
  const { table, where } = TABLES[t];
  const rows = await ex.all<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table} r WHERE ${where}`, [before]);
  return Number(rows[0]?.n ?? 0);
}

/** Ids of events processed before `before`, oldest first (digest_events_processed). */
export const selectPrunableEventIds = (ex: Executor, before: Date, limit: number) => selectIds(ex, 'events', before, limit);
export const deleteProcessedEvents = (ex: Executor, ids: readonly number[], before: Date) => deleteIds(ex, 'events', ids, before);
export const countPrunableEvents = (ex: Executor, before: Date) => count(ex, 'events', before);

/**
 * Ids of deliveries sent before `before`, oldest first (digest_deliveries_sent),
 * then of those cancelled before it to fill the batch.
 */
export async function selectPrunableDeliveryIds(ex: Executor, before: Date, limit: number): Promise<number[]> {
  const sent = await selectIds(ex, 'deliveries', before, limit);
  return sent.length < limit ? [...sent, ...await selectIds(ex, 'cancelled', before, limit - sent.length)] : sent;
}
/** Deletes those still sent or cancelled before `before` (two statements at most: each condition checked again). */
export async function deleteSentDeliveries(ex: Executor, ids: readonly number[], before: Date): Promise<number> {
  const gone = await deleteIds(ex, 'deliveries', ids, before);
  return gone === ids.length ? gone : gone + await deleteIds(ex, 'cancelled', ids, before);
}
export const countPrunableDeliveries = async (ex: Executor, before: Date) => await count(ex, 'deliveries', before) + await count(ex, 'cancelled', before);

/** Finished runs that ended before `before` (digest_runs_status), each type's latest slot run excepted. */
export const selectPrunableRunIds = (ex: Executor, before: Date, limit: number) => selectIds(ex, 'runs', before, limit);
export const deleteFinishedRuns = (ex: Executor, ids: readonly number[], before: Date) => deleteIds(ex, 'runs', ids, before);
export const countPrunableRuns = (ex: Executor, before: Date) => count(ex, 'runs', before);
