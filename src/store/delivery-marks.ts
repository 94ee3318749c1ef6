/**
 * digest_deliveries outcomes other than sent (delivery-sends.ts): failed (retried after a backoff, or dead), suppressed, deferred, or put back in line.
 * Fenced by the lease token; times are "now" — injected, or the database
 * clock (db.ts nowSql).
 */
import type { MessageContent } from './content-chunks.js';
import { type Executor, nowParam, nowSql, sqlFor } from './db.js';

export interface RenderedContent extends MessageContent {
  messageId: string;
  /** The transport it is handed to: the type's configured one at the time of this send. */
  transport: string;
}

/**
 * A failed attempt: retried after `retryInMs`, or dead when that is null.
 * `messageId`: the one the attempt went out with, when it reached the
 * transport (a delivery born with its content has none stored yet).
 */
export async function markFailed(
  ex: Executor, id: number, token: string, error: string, retryInMs: number | null, now?: Date, messageId?: string,
): Promise<boolean> {
  const res = await ex.run(
    `UPDATE digest_deliveries SET status = ?, error = ?, message_id = COALESCE(?, message_id), updated_at = ${nowSql(ex)},
            next_attempt_at = CASE WHEN ? IS NULL THEN NULL ELSE ${sqlFor(ex).plusMs(nowSql(ex))} END,
            lease_token = NULL, lease_until = NULL
      WHERE id = ? AND lease_token = ?`,
    [retryInMs == null ? 'dead' : 'failed', error, messageId ?? null, nowParam(now), retryInMs, nowParam(now), retryInMs ?? 0, id, token]);
  return res.affectedRows === 1;
}

/**
 * Not sent, for good: its address is suppressed. The address it would have
 * gone to is kept on the row (a delivery rendered just before its send has
 * none stored yet), the lease given up, nothing left due. The caller stamps
 * its events in the same transaction.
 */
export async function markSuppressed(ex: Executor, id: number, token: string, address: string, note: string, now?: Date): Promise<boolean> {
  const res = await ex.run(
    `UPDATE digest_deliveries SET status = 'suppressed', address = COALESCE(address, ?), error = ?, updated_at = ${nowSql(ex)},
            next_attempt_at = NULL, lease_token = NULL, lease_until = NULL
      WHERE id = ? AND lease_token = ?`,
    [address, note, nowParam(now), id, token]);
  return res.affectedRows === 1;
}

/**
 * Not sent because its transport is down: back to `pending`, attempts as
 * they were, lease given up. `lease_until` becomes the time it may be taken
 * again (selectReclaimable), so it waits out the pause without anyone holding it.
 */
export async function markDeferred(ex: Executor, id: number, token: string, error: string, waitMs: number, now?: Date): Promise<boolean> {
  const res = await ex.run(
    `UPDATE digest_deliveries SET status = 'pending', error = ?, lease_token = NULL,
            lease_until = ${sqlFor(ex).plusMs(nowSql(ex))}, updated_at = ${nowSql(ex)}
      WHERE id = ? AND lease_token = ?`,
    [error, nowParam(now), waitMs, nowParam(now), id, token]);
  return res.affectedRows === 1;
}

/**
 * Puts dead (or waiting failed) deliveries back in line, due now, with a
 * fresh set of attempts. Their events are still linked, so the retry
 * re-renders exactly the events that went in originally.
 */
export async function requeueDeliveries(ex: Executor, filter: { id?: number; type?: string }, now?: Date): Promise<number> {
  const res = await ex.run(
    `UPDATE digest_deliveries SET status = 'failed', attempts = 0, next_attempt_at = ${nowSql(ex)}, updated_at = ${nowSql(ex)}
      WHERE ${filter.id != null ? "id = ? AND status IN ('dead', 'failed')" : "status = 'dead' AND (? IS NULL OR event_type = ?)"}`,
    [nowParam(now), nowParam(now), ...(filter.id != null ? [filter.id] : [filter.type ?? null, filter.type ?? null])]);
  return res.affectedRows;
}
