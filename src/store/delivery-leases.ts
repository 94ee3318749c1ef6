/**
 * digest_deliveries leases: who may work on a delivery, until when. Lease
 * ends and due retries are compared against "now" — the injected time or the
 * database clock (db.ts nowSql) — so hosts' clocks never disagree.
 */
import { chunks, type Executor, nowParam, nowSql, placeholders, sqlFor } from './db.js';
import type { DeliveryStatus } from '../types.js';

/**
 * Extends the leases of deliveries a worker still holds (the heartbeat, and
 * the fence before a split). Fenced by the token: a delivery another worker
 * took over is not counted. Only unfinished ones: a sent or failed delivery
 * has no lease left to renew.
 */
export async function renewLeases(ex: Executor, token: string, ids: readonly number[], leaseMs: number, now?: Date): Promise<number> {
  if (ids.length === 0) return 0;
  let renewed = 0;
  for (const part of chunks(ids)) {
    const res = await ex.run(
      `UPDATE digest_deliveries SET lease_until = ${sqlFor(ex).plusMs(nowSql(ex))}
        WHERE lease_token = ? AND status IN ('pending', 'sending') AND id IN (${placeholders(part.length)})`,
      [nowParam(now), leaseMs, token, ...part]);
    renewed += res.affectedRows;
  }
  return renewed;
}

/**
 * Deliveries a worker may take now: failed ones whose retry is due, and
 * pending/sending ones whose lease expired (their worker died or stalled).
 * Only the given (configured) types: a delivery of a type removed from the
 * config stays as it is, visible, instead of being leased over and over.
 */
export async function selectReclaimable(
  ex: Executor, types: readonly string[], limit: number, now?: Date,
): Promise<Array<{ id: number; status: DeliveryStatus }>> {
  if (types.length === 0) return [];
  const rows = await ex.all<{ id: number; status: DeliveryStatus }>(
    `SELECT id, status FROM digest_deliveries
      WHERE event_type IN (${placeholders(types.length)})
        AND ((status = 'failed' AND next_attempt_at <= ${nowSql(ex)})
          OR (status IN ('pending', 'sending') AND lease_until <= ${nowSql(ex)}))
      ORDER BY id LIMIT ?${sqlFor(ex).skipLocked}`,
    [...types, nowParam(now), nowParam(now), limit]);
  return rows.map((r) => ({ id: Number(r.id), status: r.status }));
}

/**
 * Takes a fresh lease on deliveries picked by selectReclaimable; a new token
 * fences out the old holder. `attempts` counts sends that reached the
 * transport: a `failed` one was answered, a `sending` one may have been (its
 * worker died between its claim or mark and the outcome), so the next send
 * is a new attempt. A `pending` one never went out (handed back at shutdown,
 * too large to be born `sending` and its worker died before rendering it, or
 * its transport was down): it keeps its attempt number. `attempts` is
 * assigned before `status` because MySQL evaluates SET left to right, with
 * the new values.
 */
export async function leaseDeliveries(
  ex: Executor, ids: readonly number[], lease: { token: string; ms: number }, now?: Date,
): Promise<void> {
  await ex.run(
    `UPDATE digest_deliveries SET attempts = attempts + CASE WHEN status = 'pending' THEN 0 ELSE 1 END, status = 'pending', lease_token = ?,
            lease_until = ${sqlFor(ex).plusMs(nowSql(ex))}, updated_at = ${nowSql(ex)}
      WHERE id IN (${placeholders(ids.length)})`,
    [lease.token, nowParam(now), lease.ms, nowParam(now), ...ids]);
}

/**
 * Gives claimed-but-unstarted deliveries back (shutdown): their lease ends
 * now. Back to `pending` too: one born `sending` at claim never reached its
 * transport, so taking it up again is not a new attempt.
 */
export async function releaseLeases(ex: Executor, ids: readonly number[], token: string, now?: Date): Promise<void> {
  if (ids.length === 0) return;
  await ex.run(
    `UPDATE digest_deliveries SET status = 'pending', lease_until = ${nowSql(ex)} WHERE lease_token = ? AND id IN (${placeholders(ids.length)})`,
    [nowParam(now), token, ...ids]);
}
