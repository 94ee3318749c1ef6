/**
 * Reads that only report, a page or a row at a time — the HTTP API, the
 * dashboard, `digest demo` and dry runs: nothing here changes a row.
 */
import { type Executor, nowParam, nowSql, toDate } from './db.js';
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
  /** Only deliveries with a smaller id (the previous page's last id). */
  beforeId?: number;
  limit: number;
}

/** One page of deliveries, newest first, keyed by id (stable under inserts, unlike OFFSET). */
export async function selectDeliveriesPage(ex: Executor, f: DeliveryPageFilter): Promise<DeliverySummary[]> {
  const rows = await ex.all<Record<string, unknown>>(
    `SELECT ${DELIVERY_SUMMARY_COLUMNS}
       FROM digest_deliveries
      WHERE (? IS NULL OR status = ?) AND (? IS NULL OR event_type = ?) AND (? IS NULL OR recipient = ?)
        AND (? IS NULL OR id < ?)
      ORDER BY id DESC LIMIT ?`,
    [f.status ?? null, f.status ?? null, f.type ?? null, f.type ?? null, f.recipient ?? null, f.recipient ?? null,
      f.beforeId ?? null, f.beforeId ?? null, f.limit]);
  return rows.map(toDeliverySummary);
}

export async function selectDeliveriesOfRun(ex: Executor, runId: number): Promise<DeliveryRow[]> {
  const rows = await ex.all<Record<string, unknown>>(
    `SELECT ${DELIVERY_COLUMNS} FROM digest_deliveries WHERE run_id = ? ORDER BY id`, [runId]);
  return rows.map(toDelivery);
}

/** Every run of a type, oldest first. */
export async function selectRuns(ex: Executor, eventType: string): Promise<RunRow[]> {
  const rows = await ex.all<Record<string, unknown>>(
    `SELECT ${RUN_COLUMNS} FROM digest_runs WHERE event_type = ? ORDER BY id`, [eventType]);
  return rows.map(toRun);
}
