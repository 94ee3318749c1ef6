/**
 * cancel(): takes an outstanding event out of its next digest. It stays in
 * digest_events (the audit keeps it), linked to a delivery born `cancelled`
 * and stamped, so it is never claimed, rendered or sent, and retention prunes
 * both like sent ones.
 *
 * Why a delivery and not a flag on the event: the claim reads
 * `delivery_id IS NULL` off its index (digest_events_claim); a linked event
 * is simply not outstanding, and the hot claim path filters on nothing new
 * (the same way a recipient who turned a type off gets a `suppressed` one).
 *
 * Against a claim running at the same moment, one of the two wins, never
 * both: the event row is locked (FOR UPDATE on MySQL; BEGIN IMMEDIATE on
 * SQLite) before it is read, and both link it only while `delivery_id IS
 * NULL`. A claim that took it first makes the cancel answer `claimed`.
 *
 * Cancelling a cancelled event again answers the same as the first time
 * (`already: true`): a DELETE that is retried must not turn into an error.
 */
import { EventNotCancellableError, EventNotFoundError, ValidationError, type Issue } from '../errors.js';
import { MAX_KEY_LENGTH } from '../record-text.js';
import { callerExecutor, inSavepointSync } from '../store/caller-tx.js';
import type { Db, Executor, SyncExecutor } from '../store/db.js';
import {
  type EventTarget, insertCancelledDelivery, insertCancelledDeliverySync, linkCancelledEvent, linkCancelledEventSync,
  lockEventForCancel, lockEventForCancelSync, type LockedEvent, selectDeliveryStatus, selectDeliveryStatusSync,
} from '../store/event-cancels.js';
import { eventState } from './event-state.js';

/** Which event: its id, or the type and idempotency key it was recorded with. */
export type CancelTarget = number | { id: number } | { type: string; idempotencyKey: string };

export interface CancelOptions {
  /** The caller's open transaction: a mysql2 / better-sqlite3 connection or a drizzle transaction (as for record()). */
  tx?: unknown;
  /** Test seam: the store's "now" for the stamp; absent, the database clock. */
  now?: Date;
}

export interface CancelResult {
  eventId: number;
  type: string;
  state: 'cancelled';
  /** The delivery born `cancelled` that the event is linked to. */
  deliveryId: number;
  /** true: it was cancelled before (this call changed nothing). */
  already: boolean;
}

/** Checks the target and names the field that is wrong. */
export function cancelTarget(target: CancelTarget): EventTarget {
  const t = typeof target === 'number' ? { id: target } : target;
  const issues: Issue[] = [];
  if (t == null || typeof t !== 'object') throw new ValidationError('cancel target', [{ path: '', message: 'must be an event id or { type, idempotencyKey }' }]);
  if ('id' in t) {
    if (!Number.isSafeInteger(t.id) || t.id < 1) issues.push({ path: 'id', message: 'must be a positive integer' });
  } else {
    if (typeof t.type !== 'string' || t.type.length === 0) issues.push({ path: 'type', message: 'must be a non-empty string' });
    const key = t.idempotencyKey;
    if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH) issues.push({ path: 'idempotencyKey', message: `must be 1 to ${MAX_KEY_LENGTH} characters` });
  }
  if (issues.length) throw new ValidationError('cancel target', issues);
  return 'id' in t ? { id: t.id } : { type: t.type, idempotencyKey: t.idempotencyKey };
}

const describe = (t: EventTarget) => ('id' in t ? String(t.id) : `of type ${JSON.stringify(t.type)} with idempotency key ${JSON.stringify(t.idempotencyKey)}`);

/** What the locked row and its delivery's status come to: a result, or the error to throw. */
function decide(target: EventTarget, e: LockedEvent | undefined, status: string | undefined): CancelResult | 'outstanding' {
  if (!e) throw new EventNotFoundError(describe(target));
  if (e.deliveryId == null) return 'outstanding';
  const state = eventState({ deliveryId: e.deliveryId, deliveryStatus: status ?? null, processedAt: e.processedAt });
  if (state === 'cancelled') return { eventId: e.id, type: e.type, state, deliveryId: e.deliveryId, already: true };
  throw new EventNotCancellableError(e.id, state, e.deliveryId);
}

async function cancelOn(ex: Executor, target: EventTarget, now?: Date): Promise<CancelResult> {
  const e = await lockEventForCancel(ex, target);
  const found = decide(target, e, e?.deliveryId == null ? undefined : await selectDeliveryStatus(ex, e.deliveryId));
  if (found !== 'outstanding') return found;
  const deliveryId = await insertCancelledDelivery(ex, e!, now);
  // The row is locked (or the database is, on SQLite): it is still outstanding.
  if (await linkCancelledEvent(ex, e!.id, deliveryId, now) !== 1) throw new Error(`event ${e!.id} changed while locked`);
  return { eventId: e!.id, type: e!.type, state: 'cancelled', deliveryId, already: false };
}

function cancelOnSync(sx: SyncExecutor, target: EventTarget, now?: Date): CancelResult {
  const e = lockEventForCancelSync(sx, target);
  const found = decide(target, e, e?.deliveryId == null ? undefined : selectDeliveryStatusSync(sx, e.deliveryId));
  if (found !== 'outstanding') return found;
  const deliveryId = insertCancelledDeliverySync(sx, e!, now);
  if (linkCancelledEventSync(sx, e!.id, deliveryId, now) !== 1) throw new Error(`event ${e!.id} changed while locked`);
  return { eventId: e!.id, type: e!.type, state: 'cancelled', deliveryId, already: false };
}

/**
 * Cancels one outstanding event, in one short transaction of our own, or in
 * the caller's (`tx`): then it is cancelled if and only if their transaction
 * commits. Throws EventNotFoundError (unknown id or key) or
 * EventNotCancellableError (claimed, sent, failed, dead, suppressed).
 */
export async function cancelEvent(db: Db, target: CancelTarget, opts: CancelOptions = {}): Promise<CancelResult> {
  const t = cancelTarget(target);
  if (opts.tx == null) return db.transaction((tx) => cancelOn(tx, t, opts.now));
  const ex = callerExecutor(opts.tx, db.dialect);
  // A caller's synchronous SQLite transaction: every statement runs before we return.
  return ex.sync ? inSavepointSync(ex.sync, () => cancelOnSync(ex.sync!, t, opts.now)) : cancelOn(ex, t, opts.now);
}
