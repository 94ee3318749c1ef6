/** The digest_deliveries row mapper: one set of columns, one decoder. */
import { toDate } from './db.js';
import type { DeliveryStatus } from '../types.js';

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

/** A delivery without its lease and message: what lists and pages show. */
export type DeliverySummary = Omit<DeliveryRow, 'leaseToken' | 'address' | 'subject' | 'text' | 'html'>;

export const DELIVERY_SUMMARY_COLUMNS = `id, run_id AS runId, event_type AS eventType, recipient, status, attempts, transport,
  message_id AS messageId, error, next_attempt_at AS nextAttemptAt, created_at AS createdAt, sent_at AS sentAt`;

export const DELIVERY_COLUMNS = `${DELIVERY_SUMMARY_COLUMNS}, lease_token AS leaseToken, address, subject, text, html`;

const textOrNull = (v: unknown) => (v == null ? null : String(v));

/** Decodes a row read with DELIVERY_COLUMNS (or the summary columns: the message fields then come back null). */
export const toDelivery = (r: Record<string, unknown>): DeliveryRow => ({
  id: Number(r.id),
  runId: Number(r.runId),
  eventType: String(r.eventType),
  recipient: String(r.recipient),
  status: r.status as DeliveryStatus,
  attempts: Number(r.attempts),
  transport: String(r.transport),
  leaseToken: textOrNull(r.leaseToken),
  address: textOrNull(r.address),
  subject: textOrNull(r.subject),
  text: textOrNull(r.text),
  html: textOrNull(r.html),
  messageId: textOrNull(r.messageId),
  error: textOrNull(r.error),
  nextAttemptAt: toDate(r.nextAttemptAt),
  createdAt: toDate(r.createdAt)!,
  sentAt: toDate(r.sentAt),
});

/** A row read with DELIVERY_SUMMARY_COLUMNS, as a summary. */
export function toDeliverySummary(r: Record<string, unknown>): DeliverySummary {
  const { leaseToken: _l, address: _a, subject: _s, text: _t, html: _h, ...summary } = toDelivery(r);
  return summary;
}
