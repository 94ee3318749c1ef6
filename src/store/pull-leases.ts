/**
 * digest_deliveries of `pull` transports (runner/pull.ts): rendered and
 * `ready` for outside consumers, `leased` to one of them until
 * `lease_until` (its visibility timeout), then sent, failed or dead through
 * the same marks as any delivery (delivery-sends.ts markSent,
 * delivery-marks.ts markFailed), fenced by the consumer's lease token.
 *
 * A lease past its `lease_until` is simply available again: the lease
 * statement takes it like a ready one, so nothing has to sweep expired
 * leases. `next_attempt_at` is NULL on both states, so the due index
 * (status, next_attempt_at) hands their rows out in id order and a LIMIT
 * stops the scan (no filesort: FOR UPDATE SKIP LOCKED locks only what it returns).
 * Becoming `ready` is delivery-sends.ts markReady (the send's own hand-over).
 */
import { chunks, type Executor, nowParam, nowSql, placeholders, sqlFor, toDate } from './db.js';
import { ROWS_PER_STATEMENT } from './content-chunks.js';

/**
 * Up to `limit` deliveries of `transport` a consumer may lease now, oldest
 * first: leases that ran out (their consumer died or is too slow) before
 * ready ones, since they have waited longest. Skips rows another lease
 * transaction has locked (SQLite: its write lock serialises them anyway).
 */
export async function selectLeasable(ex: Executor, transport: string, limit: number, now?: Date): Promise<number[]> {
  const expired = await ex.all<{ id: number }>(
    `SELECT id FROM digest_deliveries
      WHERE status = 'leased' AND next_attempt_at IS NULL AND transport = ? AND lease_until <= ${nowSql(ex)}
      ORDER BY id LIMIT ?${sqlFor(ex).skipLocked}`,
    [transport, nowParam(now), limit]);
  const ids = expired.map((r) => Number(r.id));
  if (ids.length >= limit) return ids;
  const ready = await ex.all<{ id: number }>(
    `SELECT id FROM digest_deliveries
      WHERE status = 'ready' AND next_attempt_at IS NULL AND transport = ?
      ORDER BY id LIMIT ?${sqlFor(ex).skipLocked}`,
    [transport, limit - ids.length]);
  return [...ids, ...ready.map((r) => Number(r.id))];
}

/**
 * Leases the deliveries picked by selectLeasable to one consumer until now
 * + visibilityMs. The WHERE repeats the pick's condition, so a row leased by
 * someone else meanwhile is not taken over (the database decides, once):
 * the affected count tells whether every row was ours (else delivery-sends.ts fenced says which).
 */
export async function leasePulled(
  ex: Executor, ids: readonly number[], lease: { token: string; visibilityMs: number }, now?: Date,
): Promise<number> {
  if (ids.length === 0) return 0;
  const res = await ex.run(
    `UPDATE digest_deliveries SET status = 'leased', lease_token = ?, lease_until = ${sqlFor(ex).plusMs(nowSql(ex))}, updated_at = ${nowSql(ex)}
      WHERE id IN (${placeholders(ids.length)})
        AND (status = 'ready' OR (status = 'leased' AND lease_until <= ${nowSql(ex)}))`,
    [lease.token, nowParam(now), lease.visibilityMs, nowParam(now), ...ids, nowParam(now)]);
  return res.affectedRows;
}

/** A leased delivery as its consumer gets it. */
export interface LeasedRow {
  id: number;
  eventType: string;
  recipient: string;
  attempts: number;
  address: string | null;
  subject: string | null;
  text: string | null;
  html: string | null;
  messageId: string | null;
  leaseUntil: Date;
}

/**
 * The deliveries of `ids` that `token` holds, with their rendered message
 * and lease end (as the database computed it): after leasePulled, exactly
 * the ones this lease got.
 */
export async function selectLeased(ex: Executor, token: string, ids: readonly number[]): Promise<LeasedRow[]> {
  const out: LeasedRow[] = [];
  for (const part of chunks(ids, ROWS_PER_STATEMENT)) {
    const rows = await ex.all<Record<string, unknown>>(
      `SELECT id, event_type AS eventType, recipient, attempts, address, subject, text, html, message_id AS messageId, lease_until AS leaseUntil
         FROM digest_deliveries WHERE lease_token = ? AND status = 'leased' AND id IN (${placeholders(part.length)}) ORDER BY id`,
      [token, ...part]);
    for (const r of rows) {
      const str = (v: unknown) => (v == null ? null : String(v));
      out.push({
        id: Number(r.id), eventType: String(r.eventType), recipient: String(r.recipient), attempts: Number(r.attempts),
        address: str(r.address), subject: str(r.subject), text: str(r.text), html: str(r.html), messageId: str(r.messageId),
        leaseUntil: toDate(r.leaseUntil)!,
      });
    }
  }
  return out;
}
