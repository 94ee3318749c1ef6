/**
 * Reads that only report, a page or a row at a time — the HTTP API, the
 * dashboard, `digest demo` and dry runs: nothing here changes a row.
 */
import { dbTime, type Dialect, type Executor, nowParam, nowSql, toDate } from './db.js';
import { DELIVERY_COLUMNS, DELIVERY_SUMMARY_COLUMNS, type DeliveryRow, type DeliverySummary, toDelivery, toDeliverySummary } from './delivery-row.js';
import { eventColumns, toEvent } from './event-row.js';
import { RUN_COLUMNS, type RunRow, toRun } from './run-row.js';
import type { DeliveryStatus, StoredEvent } from '../types.js';

/** Outstanding events due now, without claiming them (dry runs). */
export async function selectOutstandingEvents(
  ex: Executor, type: string, recipient: string | null, limit: number, now?: Date,
): Promise<StoredEvent[]> {
  const rows = await ex.all<StoredEvent>(
    `SELECT ${eventColumns(ex)} FROM digest_events
      WHERE type = ? AND delivery_id IS NULL AND available_at <= ${nowSql(ex)}
        AND (? IS NULL OR recipient = ?)
      ORDER BY recipient, id LIMIT ?`,
    [type, nowParam(now), recipient, recipient, limit]);
  return rows.map(toEvent);
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

export interface DeliveryPageFilter {
  status?: DeliveryStatus;
  type?: string;
  recipient?: string;
  /** One delivery only (a search by Message-ID or event id resolved it). */
  id?: number;
  /** Only deliveries with a smaller id (the previous page's last id). */
  beforeId?: number;
  /** created_at range, `from` inclusive, `to` exclusive. */
  from?: Date;
  to?: Date;
  limit: number;
}

/**
 * The first delivery created at or after `at`, in (created_at, id) order,
 * walking digest_deliveries_created: how a time range becomes an id range.
 */
export const FIRST_CREATED_FROM_SQL = 'SELECT id FROM digest_deliveries WHERE created_at >= ? ORDER BY created_at, id LIMIT 1';

export async function selectFirstDeliveryIdCreatedFrom(ex: Executor, at: Date): Promise<number | undefined> {
  const rows = await ex.all<{ id: unknown }>(FIRST_CREATED_FROM_SQL, [dbTime(at)]);
  return rows[0] ? Number(rows[0].id) : undefined;
}

/**
 * One page of deliveries, newest first, keyed by id (stable under inserts,
 * unlike OFFSET). Only the filters given become predicates — an
 * `(? IS NULL OR col = ?)` would hide the column from the planner — so each
 * combination walks one index backwards by id and stops after `limit` rows
 * (EXPLAIN-checked per combination in test/db/delivery-find.test.ts):
 * recipient → digest_deliveries_recipient (type and status then filter one
 * recipient's rows), type and status → digest_deliveries_type_status, type →
 * _type_id, status → _status_id, none → the primary key.
 *
 * A time range is given as an id range too (`fromId`/`toId`, from
 * selectFirstDeliveryIdCreatedFrom): created_at is stamped as the row is
 * inserted and its id allocated, so id order is creation order, and the
 * created_at predicates keep the rows returned exact.
 */
export type DeliveryPageQuery = DeliveryPageFilter & { fromId?: number; toId?: number };

/**
 * A recipient's deliveries are few (one person's), so with a recipient the
 * other filters only sift those. MariaDB otherwise may intersect the
 * recipient index with the status one (index_merge), which reads every row
 * of that status and then sorts: pinned to the recipient's index. SQLite
 * picks it unaided (EXPLAIN-checked).
 */
const RECIPIENT_HINT = ' FORCE INDEX (digest_deliveries_recipient)';

/** The page statement and its parameters (apart for the EXPLAIN test). */
export function deliveriesPageSql(ex: Executor | Dialect, f: DeliveryPageQuery): { sql: string; params: unknown[] } {
  const dialect = typeof ex === 'string' ? ex : ex.dialect;
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, value: unknown) => { where.push(sql); params.push(value); };
  if (f.id !== undefined) add('id = ?', f.id);
  if (f.recipient !== undefined) add('recipient = ?', f.recipient);
  if (f.type !== undefined) add('event_type = ?', f.type);
  if (f.status !== undefined) add('status = ?', f.status);
  if (f.beforeId !== undefined) add('id < ?', f.beforeId);
  if (f.fromId !== undefined) add('id >= ?', f.fromId);
  if (f.toId !== undefined) add('id < ?', f.toId);
  if (f.from !== undefined) add('created_at >= ?', dbTime(f.from));
  if (f.to !== undefined) add('created_at < ?', dbTime(f.to));
  return {
    sql: `SELECT ${DELIVERY_SUMMARY_COLUMNS}
       FROM digest_deliveries${f.recipient !== undefined && f.id === undefined && dialect === 'mysql' ? RECIPIENT_HINT : ''}${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''}
      ORDER BY id DESC LIMIT ?`,
    params: [...params, f.limit],
  };
}

export async function selectDeliveriesPage(ex: Executor, f: DeliveryPageQuery): Promise<DeliverySummary[]> {
  const { sql, params } = deliveriesPageSql(ex, f);
  const rows = await ex.all<Record<string, unknown>>(sql, params);
  return rows.map(toDeliverySummary);
}

/** The delivery an event was claimed into (null: still outstanding; undefined: no such event). */
export async function selectEventDeliveryId(ex: Executor, eventId: number): Promise<number | null | undefined> {
  const rows = await ex.all<{ deliveryId: unknown }>('SELECT delivery_id AS deliveryId FROM digest_events WHERE id = ?', [eventId]);
  const r = rows[0];
  return r === undefined ? undefined : r.deliveryId == null ? null : Number(r.deliveryId);
}

/** How many outstanding (unclaimed) events a recipient has, across types (digest_events_recipient). */
export const RECIPIENT_OUTSTANDING_COUNT_SQL = 'SELECT COUNT(*) AS n FROM digest_events WHERE recipient = ? AND delivery_id IS NULL';

export async function countRecipientOutstanding(ex: Executor, recipient: string): Promise<number> {
  const rows = await ex.all<{ n: unknown }>(RECIPIENT_OUTSTANDING_COUNT_SQL, [recipient]);
  return Number(rows[0]?.n ?? 0);
}

export const recipientOutstandingPageSql = (ex: Executor, cursor: boolean) =>
  `SELECT type, ${eventColumns(ex)} FROM digest_events
    WHERE recipient = ? AND delivery_id IS NULL${cursor ? ' AND id < ?' : ''}
    ORDER BY id DESC LIMIT ?`;

/** A page of a recipient's outstanding events across types, newest first (digest_events_recipient, then id). */
export async function selectRecipientOutstandingPage(
  ex: Executor, recipient: string, page: { beforeId?: number; limit: number },
): Promise<Array<StoredEvent & { type: string }>> {
  const rows = await ex.all<StoredEvent & { type: string }>(
    recipientOutstandingPageSql(ex, page.beforeId !== undefined),
    [recipient, ...(page.beforeId !== undefined ? [page.beforeId] : []), page.limit]);
  return rows.map((r) => ({ type: String(r.type), ...toEvent(r) }));
}

export async function selectDeliveriesOfRun(ex: Executor, runId: number): Promise<DeliveryRow[]> {
  const rows = await ex.all<Record<string, unknown>>(
    `SELECT ${DELIVERY_COLUMNS} FROM digest_deliveries WHERE run_id = ? ORDER BY id`, [runId]);
  return rows.map(toDelivery);
}

/** A type's latest runs, newest first: a walk of digest_runs_type_started backwards that stops after `limit` (EXPLAIN-checked). */
export const LATEST_RUNS_OF_TYPE_SQL = `SELECT ${RUN_COLUMNS} FROM digest_runs WHERE event_type = ? ORDER BY started_at DESC, id DESC LIMIT ?`;

export async function selectLatestRunsOfType(ex: Executor, eventType: string, limit: number): Promise<RunRow[]> {
  const rows = await ex.all<Record<string, unknown>>(LATEST_RUNS_OF_TYPE_SQL, [eventType, limit]);
  return rows.map(toRun);
}

export async function selectRunById(ex: Executor, id: number): Promise<RunRow | undefined> {
  const rows = await ex.all<Record<string, unknown>>(`SELECT ${RUN_COLUMNS} FROM digest_runs WHERE id = ?`, [id]);
  return rows[0] ? toRun(rows[0]) : undefined;
}

/**
 * A page of one run's deliveries in group-key order (the recipient, or
 * `#<event id>` for per-event types), after the previous page's last key:
 * the unique (run_id, group_key) index walked forwards, no sort however
 * large the run (EXPLAIN-checked).
 */
export const runDeliveriesPageSql = (after: boolean) =>
  `SELECT ${DELIVERY_SUMMARY_COLUMNS}, group_key AS groupKey FROM digest_deliveries
    WHERE run_id = ?${after ? ' AND group_key > ?' : ''}
    ORDER BY group_key LIMIT ?`;

export async function selectRunDeliveriesPage(
  ex: Executor, runId: number, page: { after?: string; limit: number },
): Promise<Array<DeliverySummary & { groupKey: string }>> {
  const rows = await ex.all<Record<string, unknown>>(
    runDeliveriesPageSql(page.after !== undefined), [runId, ...(page.after !== undefined ? [page.after] : []), page.limit]);
  return rows.map((r) => ({ ...toDeliverySummary(r), groupKey: String(r.groupKey) }));
}

/** Every run of a type, oldest first. */
export async function selectRuns(ex: Executor, eventType: string): Promise<RunRow[]> {
  const rows = await ex.all<Record<string, unknown>>(
    `SELECT ${RUN_COLUMNS} FROM digest_runs WHERE event_type = ? ORDER BY id`, [eventType]);
  return rows.map(toRun);
}
