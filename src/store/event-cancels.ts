/**
 * Cancelling an outstanding event (runner/cancel.ts): lock the event row,
 * read its delivery's status, create the delivery born `cancelled`, link the
 * event to it and stamp it. Each statement has a twin for a caller's
 * synchronous SQLite transaction (better-sqlite3): there every statement must
 * run before the call returns (see Executor.sync).
 */
import { type Executor, nowParam, nowSql, sqlFor, type SyncExecutor } from './db.js';

/** By id, or by the idempotency key it was recorded with (unique per type). */
export type EventTarget = { id: number } | { type: string; idempotencyKey: string };

export interface LockedEvent {
  id: number;
  type: string;
  recipient: string;
  deliveryId: number | null;
  processedAt: unknown;
}

/**
 * FOR UPDATE (a waiting lock, not SKIP LOCKED): a claim holding the row
 * commits first and the row is read again as it left it (READ COMMITTED),
 * linked; a claim coming after waits for ours and, once we commit, no longer
 * finds it outstanding. SQLite: the transaction is BEGIN IMMEDIATE, claims
 * wait for it whole.
 */
const lockSql = (ex: Executor | 'sqlite', target: EventTarget) => {
  const lock = ex === 'sqlite' ? '' : sqlFor(ex).forUpdate;
  return 'id' in target
    ? { sql: `SELECT id, type, recipient, delivery_id AS deliveryId, processed_at AS processedAt FROM digest_events WHERE id = ?${lock}`, params: [target.id] }
    : { sql: `SELECT id, type, recipient, delivery_id AS deliveryId, processed_at AS processedAt FROM digest_events WHERE type = ? AND idempotency_key = ?${lock}`, params: [target.type, target.idempotencyKey] };
};

const toLocked = (r: LockedEvent | undefined): LockedEvent | undefined => r && ({
  id: Number(r.id), type: String(r.type), recipient: String(r.recipient), deliveryId: r.deliveryId == null ? null : Number(r.deliveryId), processedAt: r.processedAt,
});

export async function lockEventForCancel(ex: Executor, target: EventTarget): Promise<LockedEvent | undefined> {
  const q = lockSql(ex, target);
  return toLocked((await ex.all<LockedEvent>(q.sql, q.params))[0]);
}
export function lockEventForCancelSync(sx: SyncExecutor, target: EventTarget): LockedEvent | undefined {
  const q = lockSql('sqlite', target);
  return toLocked(sx.all<LockedEvent>(q.sql, q.params)[0]);
}

const STATUS_SQL = 'SELECT status FROM digest_deliveries WHERE id = ?';
export async function selectDeliveryStatus(ex: Executor, id: number): Promise<string | undefined> {
  const r = (await ex.all<{ status: string }>(STATUS_SQL, [id]))[0];
  return r ? String(r.status) : undefined;
}
export function selectDeliveryStatusSync(sx: SyncExecutor, id: number): string | undefined {
  const r = sx.all<{ status: string }>(STATUS_SQL, [id])[0];
  return r ? String(r.status) : undefined;
}

/**
 * The delivery of a cancelled event: born `cancelled`, no lease, nothing
 * rendered, so nothing ever takes it (recovery looks for pending, sending and
 * failed ones). No run made it: run_id 0. Its group key `x<event id>` keeps
 * the unique (run_id, group_key) index satisfied, one per event; no
 * transport is asked anything, so none is named.
 */
const insertSql = (d: 'mysql' | 'sqlite') => `INSERT INTO digest_deliveries (run_id, event_type, recipient, group_key, transport, status, attempts, created_at, updated_at)
  VALUES (0, ?, ?, ?, '', 'cancelled', 0, ${nowSql(d)}, ${nowSql(d)})`;
const insertParams = (e: LockedEvent, now?: Date) => [e.type, e.recipient, `x${e.id}`, nowParam(now), nowParam(now)];

export async function insertCancelledDelivery(ex: Executor, e: LockedEvent, now?: Date): Promise<number> {
  return (await ex.run(insertSql(ex.dialect), insertParams(e, now))).insertId;
}
export function insertCancelledDeliverySync(sx: SyncExecutor, e: LockedEvent, now?: Date): number {
  return sx.run(insertSql('sqlite'), insertParams(e, now)).insertId;
}

/**
 * Links the event to its cancelled delivery and stamps it, in one statement;
 * a held event stops being held (as linkEvents does). `delivery_id IS NULL`:
 * set once, never over a claim's link. Returns the rows changed (1).
 */
const linkSql = (d: 'mysql' | 'sqlite') =>
  `UPDATE digest_events SET delivery_id = ?, held_until = NULL, processed_at = ${nowSql(d)} WHERE id = ? AND delivery_id IS NULL`;

export async function linkCancelledEvent(ex: Executor, eventId: number, deliveryId: number, now?: Date): Promise<number> {
  return (await ex.run(linkSql(ex.dialect), [deliveryId, nowParam(now), eventId])).affectedRows;
}
export function linkCancelledEventSync(sx: SyncExecutor, eventId: number, deliveryId: number, now?: Date): number {
  return sx.run(linkSql('sqlite'), [deliveryId, nowParam(now), eventId]).affectedRows;
}
