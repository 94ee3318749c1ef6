/**
 * digest_deliveries: the outbox of sends. Every change made while a worker
 * holds the delivery is fenced by its lease token (`WHERE id = ? AND
 * lease_token = ?`): a worker that lost its lease changes nothing.
 */
import { chunks, type Executor, placeholders, sqlFor } from './db.js';
import { toDate } from './events.js';
import type { DeliveryStatus } from '../types.js';

export interface NewDelivery {
  runId: number;
  eventType: string;
  recipient: string;
  groupKey: string;
  transport: string;
}

export async function insertDeliveries(
  ex: Executor, rows: readonly NewDelivery[], lease: { token: string; ms: number },
): Promise<void> {
  const until = sqlFor(ex).plusMs(sqlFor(ex).now);
  for (const part of chunks(rows, 500)) {
    await ex.run(
      `INSERT INTO digest_deliveries (run_id, event_type, recipient, group_key, transport, attempts, lease_token, lease_until)
       VALUES ${part.map(() => `(?, ?, ?, ?, ?, 1, ?, ${until})`).join(', ')}`,
      part.flatMap((r) => [r.runId, r.eventType, r.recipient, r.groupKey, r.transport, lease.token, lease.ms]));
  }
}

/**
 * A delivery born dead: the events split out of another delivery because they
 * cannot be rendered (bad payload, template error). Same run, recipient and
 * transport; its group key (`!<from id>:<first event id>`) is unique per run.
 */
export async function insertDeadDelivery(
  ex: Executor, row: NewDelivery & { attempts: number; error: string },
): Promise<number> {
  const res = await ex.run(
    `INSERT INTO digest_deliveries (run_id, event_type, recipient, group_key, transport, status, attempts, error)
     VALUES (?, ?, ?, ?, ?, 'dead', ?, ?)`,
    [row.runId, row.eventType, row.recipient, row.groupKey, row.transport, row.attempts, row.error]);
  return res.insertId;
}

/**
 * Extends the leases of deliveries a worker still holds (the heartbeat, and
 * the fence before a split). Fenced by the token: a delivery another worker
 * took over is not counted. Only unfinished ones: a sent or failed delivery
 * has no lease left to renew.
 */
export async function renewLeases(ex: Executor, token: string, ids: readonly number[], leaseMs: number): Promise<number> {
  if (ids.length === 0) return 0;
  const d = sqlFor(ex);
  let renewed = 0;
  for (const part of chunks(ids)) {
    const res = await ex.run(
      `UPDATE digest_deliveries SET lease_until = ${d.plusMs(d.now)}
        WHERE lease_token = ? AND status IN ('pending', 'sending') AND id IN (${placeholders(part.length)})`,
      [leaseMs, token, ...part]);
    renewed += res.affectedRows;
  }
  return renewed;
}

export async function selectDeliveryIdsByGroup(
  ex: Executor, runId: number, groupKeys: readonly string[],
): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  for (const part of chunks(groupKeys)) {
    const rows = await ex.all<{ id: number; groupKey: string }>(
      `SELECT id, group_key AS groupKey FROM digest_deliveries WHERE run_id = ? AND group_key IN (${placeholders(part.length)})`,
      [runId, ...part]);
    for (const r of rows) ids.set(r.groupKey, Number(r.id));
  }
  return ids;
}

export interface RenderedContent {
  address: string;
  subject: string | null;
  text: string | null;
  html: string | null;
  messageId: string;
  /** The transport it is handed to: the type's configured one at the time of this send. */
  transport: string;
}

/**
 * Stores the rendered message and marks it handed to the transport. Renews
 * the lease: a page's lease started at claim time, and a send late in a long
 * page must not run out of lease while in flight (another worker would then
 * re-send it). A delivery whose lease was taken over while still pending
 * fails the fence here, before anything is sent.
 */
export async function markSending(ex: Executor, id: number, token: string, c: RenderedContent, leaseMs: number): Promise<boolean> {
  const d = sqlFor(ex);
  const res = await ex.run(
    `UPDATE digest_deliveries SET status = 'sending', address = ?, subject = ?, text = ?, html = ?, message_id = ?, transport = ?,
            lease_until = ${d.plusMs(d.now)}, updated_at = ${d.now}
      WHERE id = ? AND lease_token = ?`,
    [c.address, c.subject, c.text, c.html, c.messageId, c.transport, leaseMs, id, token]);
  return res.affectedRows === 1;
}

export async function markSent(ex: Executor, id: number, token: string): Promise<boolean> {
  const now = sqlFor(ex).now;
  const res = await ex.run(
    `UPDATE digest_deliveries SET status = 'sent', sent_at = ${now}, updated_at = ${now}, error = NULL,
            lease_token = NULL, lease_until = NULL, next_attempt_at = NULL
      WHERE id = ? AND lease_token = ?`,
    [id, token]);
  return res.affectedRows === 1;
}

/** A failed attempt: retried after `retryInMs`, or dead when that is null. */
export async function markFailed(
  ex: Executor, id: number, token: string, error: string, retryInMs: number | null,
): Promise<boolean> {
  const d = sqlFor(ex);
  const res = await ex.run(
    `UPDATE digest_deliveries SET status = ?, error = ?, updated_at = ${d.now},
            next_attempt_at = CASE WHEN ? IS NULL THEN NULL ELSE ${d.plusMs(d.now)} END,
            lease_token = NULL, lease_until = NULL
      WHERE id = ? AND lease_token = ?`,
    [retryInMs == null ? 'dead' : 'failed', error, retryInMs, retryInMs ?? 0, id, token]);
  return res.affectedRows === 1;
}

/**
 * Not sent because its transport is down: back to `pending`, attempts as
 * they were, lease given up. `lease_until` becomes the time it may be taken
 * again (selectReclaimable), so it waits out the pause without anyone holding it.
 */
export async function markDeferred(ex: Executor, id: number, token: string, error: string, waitMs: number): Promise<boolean> {
  const d = sqlFor(ex);
  const res = await ex.run(
    `UPDATE digest_deliveries SET status = 'pending', error = ?, lease_token = NULL,
            lease_until = ${d.plusMs(d.now)}, updated_at = ${d.now}
      WHERE id = ? AND lease_token = ?`,
    [error, waitMs, id, token]);
  return res.affectedRows === 1;
}

/**
 * Deliveries a worker may take now: failed ones whose retry is due, and
 * pending/sending ones whose lease expired (their worker died or stalled).
 * Compared against the database clock so hosts' clocks never disagree.
 * Only the given (configured) types: a delivery of a type removed from the
 * config stays as it is, visible, instead of being leased over and over.
 */
export async function selectReclaimable(
  ex: Executor, types: readonly string[], limit: number,
): Promise<Array<{ id: number; status: DeliveryStatus }>> {
  if (types.length === 0) return [];
  const now = sqlFor(ex).now;
  const rows = await ex.all<{ id: number; status: DeliveryStatus }>(
    `SELECT id, status FROM digest_deliveries
      WHERE event_type IN (${placeholders(types.length)})
        AND ((status = 'failed' AND next_attempt_at <= ${now})
          OR (status IN ('pending', 'sending') AND lease_until <= ${now}))
      ORDER BY id LIMIT ?${sqlFor(ex).skipLocked}`,
    [...types, limit]);
  return rows.map((r) => ({ id: Number(r.id), status: r.status }));
}

/**
 * Takes a fresh lease on deliveries picked by selectReclaimable; a new token
 * fences out the old holder. `attempts` counts sends that reached the
 * transport: a `failed` one was answered, a `sending` one may have been (its
 * worker died mid-send), so the next send is a new attempt. A `pending` one
 * never went out (handed back at shutdown, its worker died before sending,
 * or its transport was down): it keeps its attempt number. `attempts` is
 * assigned before `status` because MySQL evaluates SET left to right, with
 * the new values.
 */
export async function leaseDeliveries(
  ex: Executor, ids: readonly number[], lease: { token: string; ms: number },
): Promise<void> {
  const d = sqlFor(ex);
  await ex.run(
    `UPDATE digest_deliveries SET attempts = attempts + CASE WHEN status = 'pending' THEN 0 ELSE 1 END, status = 'pending', lease_token = ?,
            lease_until = ${d.plusMs(d.now)}, updated_at = ${d.now}
      WHERE id IN (${placeholders(ids.length)})`,
    [lease.token, lease.ms, ...ids]);
}

/** Gives claimed-but-unstarted deliveries back (shutdown): their lease ends now. */
export async function releaseLeases(ex: Executor, ids: readonly number[], token: string): Promise<void> {
  if (ids.length === 0) return;
  await ex.run(
    `UPDATE digest_deliveries SET lease_until = ${sqlFor(ex).now} WHERE lease_token = ? AND id IN (${placeholders(ids.length)})`,
    [token, ...ids]);
}

/**
 * Puts dead (or waiting failed) deliveries back in line, due now, with a
 * fresh set of attempts. Their events are still linked, so the retry
 * re-renders exactly the events that went in originally.
 */
export async function requeueDeliveries(ex: Executor, filter: { id?: number; type?: string }): Promise<number> {
  const now = sqlFor(ex).now;
  const res = await ex.run(
    `UPDATE digest_deliveries SET status = 'failed', attempts = 0, next_attempt_at = ${now}, updated_at = ${now}
      WHERE ${filter.id != null ? "id = ? AND status IN ('dead', 'failed')" : "status = 'dead' AND (? IS NULL OR event_type = ?)"}`,
    filter.id != null ? [filter.id] : [filter.type ?? null, filter.type ?? null]);
  return res.affectedRows;
}

export interface DeliveryRow {
  id: number;
  runId: number;
  eventType: string;
  recipient: string;
  status: DeliveryStatus;
  attempts: number;
  transport: string;
  leaseToken: string | null;
  address: string | null;
  subject: string | null;
  text: string | null;
  html: string | null;
  messageId: string | null;
  error: string | null;
  nextAttemptAt: Date | null;
  createdAt: Date;
  sentAt: Date | null;
}

const DELIVERY_COLUMNS = `id, run_id AS runId, event_type AS eventType, recipient, status, attempts, transport,
  lease_token AS leaseToken, address, subject, text, html, message_id AS messageId, error,
  next_attempt_at AS nextAttemptAt, created_at AS createdAt, sent_at AS sentAt`;

const toDelivery = (r: Record<string, unknown>): DeliveryRow => ({
  ...(r as unknown as DeliveryRow),
  id: Number(r.id),
  runId: Number(r.runId),
  attempts: Number(r.attempts),
  nextAttemptAt: toDate(r.nextAttemptAt),
  createdAt: toDate(r.createdAt)!,
  sentAt: toDate(r.sentAt),
});

export async function selectDeliveriesByIds(ex: Executor, ids: readonly number[]): Promise<DeliveryRow[]> {
  if (ids.length === 0) return [];
  const rows = await ex.all<Record<string, unknown>>(
    `SELECT ${DELIVERY_COLUMNS} FROM digest_deliveries WHERE id IN (${placeholders(ids.length)}) ORDER BY id`, ids);
  return rows.map(toDelivery);
}

export async function selectDeliveriesOfRun(ex: Executor, runId: number): Promise<DeliveryRow[]> {
  const rows = await ex.all<Record<string, unknown>>(
    `SELECT ${DELIVERY_COLUMNS} FROM digest_deliveries WHERE run_id = ? ORDER BY id`, [runId]);
  return rows.map(toDelivery);
}

/** Counted from digest_deliveries_type_status alone (a covering index scan, no row read; EXPLAIN-checked in a test). */
export const DELIVERY_COUNTS_SQL = 'SELECT event_type AS eventType, status, COUNT(*) AS n FROM digest_deliveries GROUP BY event_type, status';

export async function selectDeliveryCounts(ex: Executor): Promise<Array<{ eventType: string; status: DeliveryStatus; n: number }>> {
  const rows = await ex.all<{ eventType: string; status: DeliveryStatus; n: number }>(
    DELIVERY_COUNTS_SQL);
  return rows.map((r) => ({ ...r, n: Number(r.n) }));
}

export interface DeliveryPageFilter {
  status?: DeliveryStatus;
  type?: string;
  recipient?: string;
  /** Only deliveries with a smaller id (the previous page's last id). */
  beforeId?: number;
  limit: number;
}

export type DeliverySummary = Omit<DeliveryRow, 'leaseToken' | 'address' | 'subject' | 'text' | 'html'>;

/** One page of deliveries, newest first, keyed by id (stable under inserts, unlike OFFSET). */
export async function selectDeliveriesPage(ex: Executor, f: DeliveryPageFilter): Promise<DeliverySummary[]> {
  const rows = await ex.all<Record<string, unknown>>(
    `SELECT id, run_id AS runId, event_type AS eventType, recipient, status, attempts, transport,
            message_id AS messageId, error, next_attempt_at AS nextAttemptAt, created_at AS createdAt, sent_at AS sentAt
       FROM digest_deliveries
      WHERE (? IS NULL OR status = ?) AND (? IS NULL OR event_type = ?) AND (? IS NULL OR recipient = ?)
        AND (? IS NULL OR id < ?)
      ORDER BY id DESC LIMIT ?`,
    [f.status ?? null, f.status ?? null, f.type ?? null, f.type ?? null, f.recipient ?? null, f.recipient ?? null,
      f.beforeId ?? null, f.beforeId ?? null, f.limit]);
  return rows.map((r) => ({
    id: Number(r.id),
    runId: Number(r.runId),
    eventType: String(r.eventType),
    recipient: String(r.recipient),
    status: r.status as DeliveryStatus,
    attempts: Number(r.attempts),
    transport: String(r.transport),
    messageId: r.messageId == null ? null : String(r.messageId),
    error: r.error == null ? null : String(r.error),
    nextAttemptAt: toDate(r.nextAttemptAt),
    createdAt: toDate(r.createdAt)!,
    sentAt: toDate(r.sentAt),
  }));
}

