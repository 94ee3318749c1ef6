/**
 * digest_events claim: which outstanding events are due, and locking them.
 * "Due" is `available_at <= now`, now being the injected time or the
 * database clock (db.ts nowSql), never one host's clock.
 */
import { chunks, type Executor, nowParam, nowSql, placeholders, sqlFor, toDate } from './db.js';
import { eventColumns, toEvent } from './event-row.js';
import type { StoredEvent } from '../types.js';

export interface OutstandingRecipient {
  recipient: string;
  /** Outstanding events due now: lets the claim size its page before reading any. */
  outstanding: number;
  /** The oldest one's available_at: recipients/timing.ts compares it with the recipient's window. */
  since: Date;
}

/**
 * Which outstanding events a claim reads (issue 15): `fresh` ones, no
 * window holds (every cadence and immediate run; the claim index's
 * held_until IS NULL part, in recipient order); `held` ones whose hold has
 * come due (window runs; the same index, a range on held_until); or `all`
 * (digest run now, which sends everything outstanding). Each is a condition
 * with one parameter, now (nowParam), or none.
 */
export type EventPool = 'fresh' | 'held' | 'all';

const poolSql = (ex: Executor, pool: EventPool) =>
  pool === 'fresh' ? ' AND held_until IS NULL' : pool === 'held' ? ` AND held_until <= ${nowSql(ex)}` : '';
const poolParams = (pool: EventPool, now?: Date) => (pool === 'held' ? [nowParam(now)] : []);

/**
 * A hash range of recipients: those whose CRC32 is `index` modulo `count`
 * (`inside`), or all the others. Replicas on different Galera nodes cannot
 * divide work with row locks (each node locks only its own rows), so each
 * scheduler prefers its own range (scheduler/worker-lanes.ts). The CRC32 is computed per
 * candidate row: a filter over the claim index range, no index of its own.
 */
export interface RecipientLane {
  count: number;
  index: number;
  inside: boolean;
}

const laneSql = (lane?: RecipientLane) => (lane ? ` AND CRC32(recipient) % ? ${lane.inside ? '=' : '<>'} ?` : '');
const laneParams = (lane?: RecipientLane) => (lane ? [lane.count, lane.index] : []);

/**
 * The next page of recipients with outstanding events, after `after` in
 * recipient order, with their counts, in `lane` when one is given. Not
 * locking: it only picks candidates; the lock is taken by lockEventsById.
 * Served by digest_events_claim (covering).
 */
export async function selectOutstandingRecipients(
  ex: Executor, type: string, after: string | null, limit: number, now?: Date, lane?: RecipientLane, pool: EventPool = 'fresh',
): Promise<OutstandingRecipient[]> {
  // The first page has no cursor condition at all: `recipient > ''` would
  // never select a row whose recipient is '' (it is claimed, and fails alone).
  const rows = await ex.all<OutstandingRecipient>(
    `SELECT recipient, COUNT(*) AS outstanding, MIN(available_at) AS since FROM digest_events
      WHERE type = ? AND delivery_id IS NULL${poolSql(ex, pool)}${after == null ? '' : ' AND recipient > ?'} AND available_at <= ${nowSql(ex)}${laneSql(lane)}
      GROUP BY recipient ORDER BY recipient LIMIT ?`,
    [type, ...poolParams(pool, now), ...(after == null ? [] : [after]), nowParam(now), ...laneParams(lane), limit]);
  return rows.map(toOutstanding);
}

const toOutstanding = (r: OutstandingRecipient): OutstandingRecipient =>
  ({ recipient: r.recipient, outstanding: Number(r.outstanding), since: toDate(r.since)! });

/**
 * selectOutstandingRecipients for a resumed slot run: recipients that already
 * have their delivery in this run are left out (their later events wait for
 * the next run), so nobody gets a second digest for one slot. Looked up by
 * the unique (run_id, group_key) index: a recipient-grouped delivery's group
 * key is its recipient.
 */
export async function selectOutstandingRecipientsOutsideRun(
  ex: Executor, type: string, runId: number, after: string | null, limit: number, now?: Date,
): Promise<OutstandingRecipient[]> {
  const rows = await ex.all<OutstandingRecipient>(
    `SELECT recipient, COUNT(*) AS outstanding, MIN(available_at) AS since FROM digest_events
      WHERE type = ? AND delivery_id IS NULL AND held_until IS NULL${after == null ? '' : ' AND recipient > ?'} AND available_at <= ${nowSql(ex)}
        AND NOT EXISTS (SELECT 1 FROM digest_deliveries d WHERE d.run_id = ? AND d.group_key = digest_events.recipient)
      GROUP BY recipient ORDER BY recipient LIMIT ?`,
    after == null ? [type, nowParam(now), runId, limit] : [type, after, nowParam(now), runId, limit]);
  return rows.map(toOutstanding);
}

/**
 * The claim locks rows by primary key only. It first reads the ids of the
 * outstanding events without a lock (the claim index, type first, covers
 * it), then locks exactly those rows: a locking read over an index range
 * also locks (under SKIP LOCKED: makes others skip) the rows it steps over
 * at the range's ends, which belong to another recipient or another type.
 * Measured on MariaDB: a concurrent claim of another type for the same
 * recipients lost one of its six events that way. Parameters: type, the
 * pool's (poolParams), the recipients, now (nowParam).
 */
export function selectOutstandingEventIdsSql(ex: Executor, recipientCount: number, pool: EventPool = 'fresh'): string {
  return `SELECT id, recipient FROM digest_events
     WHERE type = ? AND delivery_id IS NULL${poolSql(ex, pool)} AND recipient IN (${placeholders(recipientCount)}) AND available_at <= ${nowSql(ex)}`;
}

/** An outstanding event's id and recipient, before it is locked. */
export interface EventKey {
  id: number;
  recipient: string;
}

export async function selectOutstandingEventIds(
  ex: Executor, type: string, recipients: readonly string[], now?: Date, pool: EventPool = 'fresh',
): Promise<EventKey[]> {
  const keys: EventKey[] = [];
  for (const part of chunks(recipients)) {
    const rows = await ex.all<EventKey>(selectOutstandingEventIdsSql(ex, part.length, pool), [type, ...poolParams(pool, now), ...part, nowParam(now)]);
    for (const r of rows) keys.push({ id: Number(r.id), recipient: r.recipient });
  }
  return keys;
}

/**
 * The ids of one recipient's first `limit` outstanding events, by due time:
 * for a recipient with a large backlog, so only what one delivery takes is
 * read. `available_at, id` is the claim index's own order (for fresh
 * events), so no sort. Parameters: type, the pool's, recipient, now, limit.
 */
export function selectOldestEventIdsSql(ex: Executor, pool: EventPool = 'fresh'): string {
  return `SELECT id, recipient FROM digest_events
     WHERE type = ? AND delivery_id IS NULL${poolSql(ex, pool)} AND recipient = ? AND available_at <= ${nowSql(ex)}
     ORDER BY available_at, id LIMIT ?`;
}

export async function selectOldestEventIds(
  ex: Executor, type: string, recipient: string, limit: number, now?: Date, pool: EventPool = 'fresh',
): Promise<EventKey[]> {
  const rows = await ex.all<EventKey>(selectOldestEventIdsSql(ex, pool), [type, ...poolParams(pool, now), recipient, nowParam(now), limit]);
  return rows.map((r) => ({ id: Number(r.id), recipient: r.recipient }));
}

/**
 * Locks these events by primary key, re-checking that they are still
 * outstanding (another claim may have taken them since they were read).
 * SKIP LOCKED: rows another replica is claiming right now are left to it.
 * `wait` instead waits for them (see runner/whole-recipients.ts); SQLite
 * claims hold the write lock already, so there is nothing to wait for.
 */
export function lockEventsByIdSql(ex: Executor, count: number, wait = false): string {
  const lock = wait ? sqlFor(ex).forUpdate : sqlFor(ex).skipLocked;
  return `SELECT ${eventColumns(ex)} FROM digest_events${sqlFor(ex).primaryIndex}
     WHERE id IN (${placeholders(count)}) AND type = ? AND delivery_id IS NULL${lock}`;
}

export async function lockEventsById(ex: Executor, type: string, ids: readonly number[], wait = false): Promise<StoredEvent[]> {
  const rows: StoredEvent[] = [];
  for (const part of chunks(ids)) rows.push(...await ex.all<StoredEvent>(lockEventsByIdSql(ex, part.length, wait), [...part, type]));
  return rows.map(toEvent);
}

/** A held event come due, as the window claim reads it (selectDueHeldEvents). */
export interface DueEvent extends EventKey {
  availableAt: Date;
}

/**
 * The next `limit` held events come due, in the claim index's own order
 * (held_until, recipient): no sort, and no re-reading of what earlier pages
 * took, since a claimed or re-held event leaves the range. A cursor on the
 * recipient alone (as fresh claims page) cannot narrow a range on
 * held_until: every page re-read and sorted the whole due set (measured by
 * the windows bench, issue 15). One recipient's due events share their
 * held_until, so they come together. Not locking (lockEventsById is).
 */
export const selectDueHeldEventsSql = (ex: Executor) =>
  // The claim index named: its order is the ORDER BY (a small table's plan may otherwise pick the due-time index and sort).
  `SELECT id, recipient, available_at AS availableAt FROM digest_events${ex.dialect === 'mysql' ? ' FORCE INDEX (digest_events_claim)' : ' INDEXED BY digest_events_claim'}
    WHERE type = ? AND delivery_id IS NULL AND held_until <= ${nowSql(ex)}
    ORDER BY held_until, recipient LIMIT ?`;

export async function selectDueHeldEvents(ex: Executor, type: string, limit: number, now?: Date): Promise<DueEvent[]> {
  const rows = await ex.all<DueEvent>(selectDueHeldEventsSql(ex), [type, nowParam(now), limit]);
  return rows.map((r) => ({ id: Number(r.id), recipient: r.recipient, availableAt: toDate(r.availableAt)! }));
}
