/**
 * `digest retry --dead` in batches: the dead deliveries' ids a page at a
 * time (by id, after a cursor), then those put back in line, so thousands
 * are re-queued in short statements and the CLI can show how far it is.
 * The same change requeueDeliveries (delivery-marks.ts) makes to one.
 */
import { type Executor, nowParam, nowSql, placeholders } from './db.js';

/** Up to `limit` dead deliveries' ids after `afterId`, lowest first; of one type, or of all when `type` is null. */
export async function selectDeadDeliveryIds(ex: Executor, type: string | null, afterId: number, limit: number): Promise<number[]> {
  const rows = await ex.all<{ id: number }>(
    `SELECT id FROM digest_deliveries WHERE status = 'dead' AND id > ? AND (? IS NULL OR event_type = ?) ORDER BY id LIMIT ?`,
    [afterId, type, type, limit]);
  return rows.map((r) => Number(r.id));
}

/** Puts these deliveries back in line, due now, with a fresh set of attempts: those still dead (another retry may have been first). */
export async function requeueDeadByIds(ex: Executor, ids: readonly number[], now?: Date): Promise<number> {
  if (ids.length === 0) return 0;
  const res = await ex.run(
    `UPDATE digest_deliveries SET status = 'failed', attempts = 0, next_attempt_at = ${nowSql(ex)}, updated_at = ${nowSql(ex)}
      WHERE status = 'dead' AND id IN (${placeholders(ids.length)})`,
    [nowParam(now), nowParam(now), ...ids]);
  return res.affectedRows;
}
