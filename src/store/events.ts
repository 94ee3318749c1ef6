/** digest_events: one named function per statement. */
import { chunks, dialectSql, type Executor, placeholders, SQLITE_MAX_VARIABLES, sqlFor, type SyncExecutor } from './db.js';
import { decodePayload, recipientProblem } from './event-row.js';
import type { StoredEvent } from '../types.js';

export interface NewEvent {
  type: string;
  recipient: string;
  payload: string; // JSON text, already validated and serialised
  idempotencyKey?: string | null;
  occurredAt?: Date | null;
  availableAt?: Date | null;
}

const INSERT_COLUMNS = '(type, recipient, payload, idempotency_key, occurred_at, available_at)';
const valuesRow = (now: string) => `(?, ?, ?, ?, COALESCE(?, ${now}), COALESCE(?, ${now}))`;
const valuesOf = (e: NewEvent) => [
  e.type, e.recipient, e.payload, e.idempotencyKey ?? null, e.occurredAt ?? null, e.availableAt ?? null,
];
// Most events carry no key and no times: the column defaults fill those in,
// and half the columns means a statement half as long to send and parse.
const PLAIN_COLUMNS = '(type, recipient, payload)';
const isPlain = (e: NewEvent) => e.idempotencyKey == null && e.occurredAt == null && e.availableAt == null;

/**
 * Rows per multi-row INSERT: SQLite binds at most 32,766 variables per
 * statement (6 per row when times are given); callers split larger batches.
 */
export const EVENT_ROWS_PER_INSERT = Math.floor(SQLITE_MAX_VARIABLES / 6);

const sqliteKeyedInsert = (e: NewEvent): [string, unknown[]] => [
  `INSERT INTO digest_events ${INSERT_COLUMNS} VALUES ${valuesRow(dialectSql.sqlite.now)} ON CONFLICT (type, idempotency_key) DO NOTHING RETURNING id`,
  valuesOf(e)];

/**
 * Inserts one event; with an idempotency key already taken for this type it
 * inserts nothing and returns the existing id. The unique key decides, so
 * concurrent callers with one key all get the same id.
 */
export async function insertEvent(ex: Executor, e: NewEvent): Promise<number> {
  if (e.idempotencyKey == null) return insertEventRows(ex, [e]);
  if (ex.dialect === 'mysql') {
    // LAST_INSERT_ID(id) on the duplicate makes insertId the existing row's id.
    const res = await ex.run(
      `INSERT INTO digest_events ${INSERT_COLUMNS} VALUES ${valuesRow(sqlFor(ex).now)} ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id)`,
      valuesOf(e));
    return res.insertId;
  }
  const rows = await ex.all<{ id: number }>(...sqliteKeyedInsert(e));
  if (rows[0]) return Number(rows[0].id);
  return (await selectEventIdByKey(ex, e.type, e.idempotencyKey))!;
}

/** insertEvent on a caller's synchronous SQLite transaction: both statements run before it returns. */
export function insertEventSync(sx: SyncExecutor, e: NewEvent): number {
  if (e.idempotencyKey == null) return insertEventRowsSync(sx, [e]);
  const rows = sx.all<{ id: number }>(...sqliteKeyedInsert(e));
  if (rows[0]) return Number(rows[0].id);
  return Number(sx.all<{ id: number }>(SELECT_ID_BY_KEY, [e.type, e.idempotencyKey])[0]!.id);
}

const eventRowsInsert = (now: string, rows: readonly NewEvent[]): [string, unknown[]] => {
  const plain = rows.every(isPlain);
  const row = plain ? '(?, ?, ?)' : valuesRow(now);
  return [
    `INSERT INTO digest_events ${plain ? PLAIN_COLUMNS : INSERT_COLUMNS} VALUES ${Array(rows.length).fill(row).join(', ')}`,
    plain ? rows.flatMap((e) => [e.type, e.recipient, e.payload]) : rows.flatMap(valuesOf)];
};

/** Multi-row insert of events WITHOUT idempotency keys (at most EVENT_ROWS_PER_INSERT); returns the first id. */
export async function insertEventRows(ex: Executor, rows: readonly NewEvent[]): Promise<number> {
  const res = await ex.run(...eventRowsInsert(sqlFor(ex).now, rows));
  // SQLite reports the LAST id of a multi-row insert, MySQL the first.
  return ex.dialect === 'mysql' ? res.insertId : res.insertId - rows.length + 1;
}

/** insertEventRows on a caller's synchronous SQLite transaction. */
export function insertEventRowsSync(sx: SyncExecutor, rows: readonly NewEvent[]): number {
  return sx.run(...eventRowsInsert(dialectSql.sqlite.now, rows)).insertId - rows.length + 1;
}

/** Distance between consecutive auto-increment ids (not 1 on multi-primary clusters). */
export async function selectAutoIncrementStep(ex: Executor): Promise<number> {
  if (ex.dialect === 'sqlite') return 1;
  const rows = await ex.all<{ step: number }>('SELECT @@auto_increment_increment AS step');
  return Number(rows[0]?.step ?? 1);
}

const SELECT_ID_BY_KEY = 'SELECT id FROM digest_events WHERE type = ? AND idempotency_key = ?';

export async function selectEventIdByKey(ex: Executor, type: string, key: string): Promise<number | undefined> {
  const rows = await ex.all<{ id: number }>(SELECT_ID_BY_KEY, [type, key]);
  return rows[0] ? Number(rows[0].id) : undefined;
}

export interface OutstandingRecipient {
  recipient: string;
  /** Outstanding events due now: lets the claim size its page before reading any. */
  outstanding: number;
}

/**
 * The next page of recipients with outstanding events, after `after` in
 * recipient order, with their counts. Not locking: it only picks candidates;
 * the lock is taken by lockOutstandingEvents. Served by digest_events_claim
 * (covering).
 */
export async function selectOutstandingRecipients(
  ex: Executor, type: string, after: string | null, limit: number,
): Promise<OutstandingRecipient[]> {
  // The first page has no cursor condition at all: `recipient > ''` would
  // never select a row whose recipient is '' (it is claimed, and fails alone).
  const rows = await ex.all<OutstandingRecipient>(
    `SELECT recipient, COUNT(*) AS outstanding FROM digest_events
      WHERE type = ? AND delivery_id IS NULL${after == null ? '' : ' AND recipient > ?'} AND available_at <= ${sqlFor(ex).now}
      GROUP BY recipient ORDER BY recipient LIMIT ?`,
    after == null ? [type, limit] : [type, after, limit]);
  return rows.map((r) => ({ recipient: r.recipient, outstanding: Number(r.outstanding) }));
}

/**
 * selectOutstandingRecipients for a resumed slot run: recipients that already
 * have their delivery in this run are left out (their later events wait for
 * the next run), so nobody gets a second digest for one slot. Looked up by
 * the unique (run_id, group_key) index: a recipient-grouped delivery's group
 * key is its recipient.
 */
export async function selectOutstandingRecipientsOutsideRun(
  ex: Executor, type: string, runId: number, after: string | null, limit: number,
): Promise<OutstandingRecipient[]> {
  const rows = await ex.all<OutstandingRecipient>(
    `SELECT recipient, COUNT(*) AS outstanding FROM digest_events
      WHERE type = ? AND delivery_id IS NULL${after == null ? '' : ' AND recipient > ?'} AND available_at <= ${sqlFor(ex).now}
        AND NOT EXISTS (SELECT 1 FROM digest_deliveries d WHERE d.run_id = ? AND d.group_key = digest_events.recipient)
      GROUP BY recipient ORDER BY recipient LIMIT ?`,
    after == null ? [type, runId, limit] : [type, after, runId, limit]);
  return rows.map((r) => ({ recipient: r.recipient, outstanding: Number(r.outstanding) }));
}

/**
 * The payload comes back as its JSON text on both engines: mysql2 parses a
 * JSON column itself (when the server marks it JSON), and a parsed string
 * cannot be told from text to parse. As text, event-row.ts decodes it alike.
 */
const eventColumns = (ex: Executor) =>
  `id, recipient, ${ex.dialect === 'mysql' ? 'CAST(payload AS CHAR)' : 'payload'} AS payload, occurred_at AS occurredAt`;

/**
 * The claim locks rows by primary key only. It first reads the ids of the
 * outstanding events without a lock (the claim index, type first, covers
 * it), then locks exactly those rows: a locking read over an index range
 * also locks (under SKIP LOCKED: makes others skip) the rows it steps over
 * at the range's ends, which belong to another recipient or another type.
 * Measured on MariaDB: a concurrent claim of another type for the same
 * recipients lost one of its six events that way.
 */
export function selectOutstandingEventIdsSql(ex: Executor, recipientCount: number): string {
  return `SELECT id, recipient FROM digest_events
     WHERE type = ? AND delivery_id IS NULL AND recipient IN (${placeholders(recipientCount)}) AND available_at <= ${sqlFor(ex).now}`;
}

/** An outstanding event's id and recipient, before it is locked. */
export interface EventKey {
  id: number;
  recipient: string;
}

export async function selectOutstandingEventIds(ex: Executor, type: string, recipients: readonly string[]): Promise<EventKey[]> {
  const keys: EventKey[] = [];
  for (const part of chunks(recipients)) {
    for (const r of await ex.all<EventKey>(selectOutstandingEventIdsSql(ex, part.length), [type, ...part])) keys.push({ id: Number(r.id), recipient: r.recipient });
  }
  return keys;
}

/**
 * The ids of one recipient's first `limit` outstanding events, by due time:
 * for a recipient with a large backlog, so only what one delivery takes is
 * read. `available_at, id` is the claim index's own order, so no sort.
 */
export function selectOldestEventIdsSql(ex: Executor): string {
  return `SELECT id, recipient FROM digest_events
     WHERE type = ? AND delivery_id IS NULL AND recipient = ? AND available_at <= ${sqlFor(ex).now}
     ORDER BY available_at, id LIMIT ?`;
}

export async function selectOldestEventIds(ex: Executor, type: string, recipient: string, limit: number): Promise<EventKey[]> {
  return (await ex.all<EventKey>(selectOldestEventIdsSql(ex), [type, recipient, limit])).map((r) => ({ id: Number(r.id), recipient: r.recipient }));
}

/**
 * Locks these events by primary key, re-checking that they are still
 * outstanding (another claim may have taken them since they were read).
 * SKIP LOCKED: rows another replica is claiming right now are left to it.
 * `wait` instead waits for them (see runner/whole-recipients.ts); SQLite
 * claims hold the write lock already, so there is nothing to wait for.
 */
export function lockEventsByIdSql(ex: Executor, count: number, wait = false): string {
  const lock = wait ? (ex.dialect === 'mysql' ? ' FOR UPDATE' : '') : sqlFor(ex).skipLocked;
  return `SELECT ${eventColumns(ex)} FROM digest_events${sqlFor(ex).primaryIndex}
     WHERE id IN (${placeholders(count)}) AND type = ? AND delivery_id IS NULL${lock}`;
}

export async function lockEventsById(ex: Executor, type: string, ids: readonly number[], wait = false): Promise<StoredEvent[]> {
  const rows: StoredEvent[] = [];
  for (const part of chunks(ids)) rows.push(...await ex.all<StoredEvent>(lockEventsByIdSql(ex, part.length, wait), [...part, type]));
  return rows.map(toEvent);
}

export interface EventLink {
  deliveryId: number;
  eventIds: readonly number[];
}

/**
 * Links claimed events to their deliveries: one UPDATE per 500 events
 * (`SET delivery_id = CASE WHEN id IN (…) THEN ? … END`) rather than one per
 * delivery, which for per-event deliveries was one statement per event.
 * Set once: `delivery_id IS NULL` keeps it so.
 */
export async function linkEvents(ex: Executor, links: readonly EventLink[]): Promise<number> {
  const pairs = links.flatMap((l) => l.eventIds.map((id) => [l.deliveryId, id] as const));
  let linked = 0;
  for (const part of chunks(pairs, 500)) {
    const branches: Array<{ deliveryId: number; ids: number[] }> = [];
    for (const [deliveryId, id] of part) {
      const last = branches[branches.length - 1];
      if (last?.deliveryId === deliveryId) last.ids.push(id);
      else branches.push({ deliveryId, ids: [id] });
    }
    const res = await ex.run(
      `UPDATE digest_events SET delivery_id = CASE ${branches.map((b) => `WHEN id IN (${placeholders(b.ids.length)}) THEN ?`).join(' ')} END
        WHERE delivery_id IS NULL AND id IN (${placeholders(part.length)})`,
      [...branches.flatMap((b) => [...b.ids, b.deliveryId]), ...part.map(([, id]) => id)]);
    linked += res.affectedRows;
  }
  return linked;
}

/**
 * The stamp: these events (of deliveries just marked sent) are processed.
 * By primary key: the runner holds the ids, and the primary key is cheaper
 * to walk than the delivery index.
 */
export async function stampEvents(ex: Executor, eventIds: readonly number[]): Promise<number> {
  let stamped = 0;
  for (const part of chunks(eventIds)) {
    const res = await ex.run(
      `UPDATE digest_events SET processed_at = ${sqlFor(ex).now} WHERE id IN (${placeholders(part.length)}) AND processed_at IS NULL`,
      part);
    stamped += res.affectedRows;
  }
  return stamped;
}

/** Moves events that cannot be rendered from their delivery to the dead one split off for them. */
export async function relinkEvents(ex: Executor, fromDeliveryId: number, toDeliveryId: number, eventIds: readonly number[]): Promise<number> {
  let moved = 0;
  for (const part of chunks(eventIds)) {
    const res = await ex.run(
      `UPDATE digest_events SET delivery_id = ? WHERE delivery_id = ? AND processed_at IS NULL AND id IN (${placeholders(part.length)})`,
      [toDeliveryId, fromDeliveryId, ...part]);
    moved += res.affectedRows;
  }
  return moved;
}

export async function selectDeliveryEvents(ex: Executor, deliveryId: number): Promise<StoredEvent[]> {
  const rows = await ex.all<StoredEvent>(
    `SELECT ${eventColumns(ex)} FROM digest_events WHERE delivery_id = ? ORDER BY id`,
    [deliveryId]);
  return rows.map(toEvent);
}

/** Outstanding events without claiming them (dry runs). */
export async function selectOutstandingEvents(
  ex: Executor, type: string, recipient: string | null, limit: number,
): Promise<StoredEvent[]> {
  const rows = await ex.all<StoredEvent>(
    `SELECT ${eventColumns(ex)} FROM digest_events
      WHERE type = ? AND delivery_id IS NULL AND available_at <= ${sqlFor(ex).now}
        AND (? IS NULL OR recipient = ?)
      ORDER BY recipient, id LIMIT ?`,
    [type, recipient, recipient, limit]);
  return rows.map(toEvent);
}

export interface OutstandingStats {
  type: string;
  /** Unclaimed events, delayed ones included. */
  outstanding: number;
  /** Since when the longest-waiting DUE event has waited (recorded, or available if delayed later); null if none is due. */
  waitingSince: Date | null;
  /** The database clock, to measure ages against (never one host's clock). */
  now: Date;
}

/**
 * Reads only outstanding rows, through digest_events_delivery (delivery_id IS
 * NULL): its cost is the backlog's size, not the table's (EXPLAIN-checked in
 * test/db/retention.test.ts).
 */
export function outstandingStatsSql(ex: Executor): string {
  const now = sqlFor(ex).now;
  return `SELECT type, COUNT(*) AS outstanding,
            MIN(CASE WHEN available_at > ${now} THEN NULL WHEN available_at > recorded_at THEN available_at ELSE recorded_at END) AS waitingSince,
            ${now} AS now
       FROM digest_events WHERE delivery_id IS NULL GROUP BY type`;
}

/** Per type: outstanding count and the oldest wait. One definition for `digest status`, the dashboard and /metrics. */
export async function selectOutstandingStats(ex: Executor): Promise<OutstandingStats[]> {
  const rows = await ex.all<{ type: string; outstanding: number; waitingSince: unknown; now: unknown }>(outstandingStatsSql(ex));
  return rows.map((r) => ({ type: r.type, outstanding: Number(r.outstanding), waitingSince: toDate(r.waitingSince), now: toDate(r.now)! }));
}

/** SQLite returns times as text; MySQL (timezone 'Z') as Date. */
export const toDate = (v: unknown): Date | null =>
  v == null ? null : v instanceof Date ? v : new Date(String(v).replace(' ', 'T') + (String(v).endsWith('Z') ? '' : 'Z'));

/** Never throws: one bad row must not fail the statement that read it with others. */
export function toEvent(r: StoredEvent): StoredEvent {
  const { payload, problem } = decodePayload(r.payload);
  const why = recipientProblem(r.recipient) ?? problem;
  const e: StoredEvent = { id: Number(r.id), recipient: String(r.recipient ?? ''), payload, occurredAt: toDate(r.occurredAt)! };
  if (why) e.problem = why;
  return e;
}

export type EventWithDelivery = {
  id: number;
  type: string;
  recipient: string;
  occurredAt: Date;
  availableAt: Date;
  recordedAt: Date;
  processedAt: Date | null;
  deliveryId: number | null;
  deliveryStatus: string | null;
  sentAt: Date | null;
  error: string | null;
};

/** One event joined with its delivery (if claimed): what `GET /v1/events/:id` reports. */
export async function selectEventWithDelivery(ex: Executor, id: number): Promise<EventWithDelivery | undefined> {
  const rows = await ex.all<Record<string, unknown>>(
    `SELECT e.id, e.type, e.recipient, e.occurred_at AS occurredAt, e.available_at AS availableAt,
            e.recorded_at AS recordedAt, e.processed_at AS processedAt, e.delivery_id AS deliveryId,
            d.status AS deliveryStatus, d.sent_at AS sentAt, d.error
       FROM digest_events e LEFT JOIN digest_deliveries d ON d.id = e.delivery_id
      WHERE e.id = ?`, [id]);
  const r = rows[0];
  if (!r) return undefined;
  return {
    id: Number(r.id),
    type: String(r.type),
    recipient: String(r.recipient),
    occurredAt: toDate(r.occurredAt)!,
    availableAt: toDate(r.availableAt)!,
    recordedAt: toDate(r.recordedAt)!,
    processedAt: toDate(r.processedAt),
    deliveryId: r.deliveryId == null ? null : Number(r.deliveryId),
    deliveryStatus: r.deliveryStatus == null ? null : String(r.deliveryStatus),
    sentAt: toDate(r.sentAt),
    error: r.error == null ? null : String(r.error),
  };
}

