/**
 * Retention (config `retention`, runner/prune.ts): per table, the ids that
 * may go (oldest first, bounded), the delete of those ids (the condition
 * checked again: one short statement, no lock held in between), and a count
 * for `digest prune --dry-run`. Dead deliveries and their events are never
 * chosen; nor is each type's latest slot run.
 */
import { type Executor, placeholders } from './db.js';

/**
 * Retention: ids of events processed before `before`, oldest first, at most
 * `limit` (digest_events_processed). Unprocessed events — outstanding, or in
 * a dead or retrying delivery — have no processed_at and are never chosen.
 */
export async function selectPrunableEventIds(ex: Executor, before: Date, limit: number): Promise<number[]> {
  const rows = await ex.all<{ id: number }>(
    'SELECT id FROM digest_events WHERE processed_at < ? ORDER BY processed_at LIMIT ?', [before, limit]);
  return rows.map((r) => Number(r.id));
}

/** Deletes these events if still prunable (the condition is checked again: one short statement, no lock held between). */
export async function deleteProcessedEvents(ex: Executor, ids: readonly number[], before: Date): Promise<number> {
  if (ids.length === 0) return 0;
  const res = await ex.run(`DELETE FROM digest_events WHERE id IN (${placeholders(ids.length)}) AND processed_at < ?`, [...ids, before]);
  return res.affectedRows;
}

export async function countPrunableEvents(ex: Executor, before: Date): Promise<number> {
  const rows = await ex.all<{ n: number }>('SELECT COUNT(*) AS n FROM digest_events WHERE processed_at < ?', [before]);
  return Number(rows[0]?.n ?? 0);
}


/**
 * Retention: ids of deliveries sent before `before`, oldest first, at most
 * `limit` (digest_deliveries_sent). Dead, failed and pending ones are kept.
 */
export async function selectPrunableDeliveryIds(ex: Executor, before: Date, limit: number): Promise<number[]> {
  const rows = await ex.all<{ id: number }>(
    "SELECT id FROM digest_deliveries WHERE status = 'sent' AND sent_at < ? ORDER BY sent_at LIMIT ?", [before, limit]);
  return rows.map((r) => Number(r.id));
}

export async function deleteSentDeliveries(ex: Executor, ids: readonly number[], before: Date): Promise<number> {
  if (ids.length === 0) return 0;
  const res = await ex.run(
    `DELETE FROM digest_deliveries WHERE id IN (${placeholders(ids.length)}) AND status = 'sent' AND sent_at < ?`, [...ids, before]);
  return res.affectedRows;
}

export async function countPrunableDeliveries(ex: Executor, before: Date): Promise<number> {
  const rows = await ex.all<{ n: number }>("SELECT COUNT(*) AS n FROM digest_deliveries WHERE status = 'sent' AND sent_at < ?", [before]);
  return Number(rows[0]?.n ?? 0);
}

/**
 * Retention: finished runs that ended before `before`, at most `limit`
 * (digest_runs_status; no ORDER BY, so the scan stops at `limit`). Each
 * type's latest slot run is never chosen: its unique (event_type, slot_at)
 * row is what stops a long cadence (monthly, say) from firing that slot again
 * after a restart.
 */
export async function selectPrunableRunIds(ex: Executor, before: Date, limit: number): Promise<number[]> {
  const rows = await ex.all<{ id: number }>(
    `SELECT r.id FROM digest_runs r
      WHERE r.status IN ('succeeded', 'failed', 'stopped', 'abandoned') AND r.finished_at < ?
        AND (r.slot_at IS NULL OR EXISTS (SELECT 1 FROM digest_runs later
                                           WHERE later.event_type = r.event_type AND later.slot_at > r.slot_at))
      LIMIT ?`, [before, limit]);
  return rows.map((r) => Number(r.id));
}

export async function deleteFinishedRuns(ex: Executor, ids: readonly number[], before: Date): Promise<number> {
  if (ids.length === 0) return 0;
  const res = await ex.run(
    `DELETE FROM digest_runs WHERE id IN (${placeholders(ids.length)})
        AND status IN ('succeeded', 'failed', 'stopped', 'abandoned') AND finished_at < ?`, [...ids, before]);
  return res.affectedRows;
}

export async function countPrunableRuns(ex: Executor, before: Date): Promise<number> {
  const rows = await ex.all<{ n: number }>(
    `SELECT COUNT(*) AS n FROM digest_runs r
      WHERE r.status IN ('succeeded', 'failed', 'stopped', 'abandoned') AND r.finished_at < ?
        AND (r.slot_at IS NULL OR EXISTS (SELECT 1 FROM digest_runs later
                                           WHERE later.event_type = r.event_type AND later.slot_at > r.slot_at))`, [before]);
  return Number(rows[0]?.n ?? 0);
}
