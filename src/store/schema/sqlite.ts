/**
 * SQLite schema (drizzle sqlite-core), mirroring schema/mysql.ts column for
 * column. drizzle-kit generates drizzle/sqlite/ from it.
 *
 * Times are TEXT 'YYYY-MM-DD HH:MM:SS.SSS' in UTC — the format strftime('%f')
 * produces — so they compare correctly as strings and match the values our
 * executor binds for Date parameters.
 */
import { sql } from 'drizzle-orm';
import { check, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

const utcNow = sql`(strftime('%Y-%m-%d %H:%M:%f','now'))`;
const id = () => integer('id', { mode: 'number' }).primaryKey({ autoIncrement: true });

export const events = sqliteTable('digest_events', {
  id: id(),
  type: text('type').notNull(),
  recipient: text('recipient').notNull(),
  payload: text('payload').notNull(),
  idempotencyKey: text('idempotency_key'),
  occurredAt: text('occurred_at').notNull().default(utcNow),
  availableAt: text('available_at').notNull().default(utcNow),
  recordedAt: text('recorded_at').notNull().default(utcNow),
  deliveryId: integer('delivery_id', { mode: 'number' }),
  processedAt: text('processed_at'),
  heldUntil: text('held_until'),
}, (t) => [
  uniqueIndex('digest_events_idempotency').on(t.type, t.idempotencyKey),
  index('digest_events_claim').on(t.type, t.deliveryId, t.heldUntil, t.recipient, t.availableAt),
  index('digest_events_held').on(t.heldUntil, t.type),
  index('digest_events_delivery').on(t.deliveryId),
  index('digest_events_processed').on(t.processedAt),
  // A recipient's outstanding events, across types (the dashboard's recipient page, issue 17).
  index('digest_events_recipient').on(t.recipient, t.deliveryId),
  // MySQL's JSON column refuses invalid JSON itself; SQLite's TEXT would not.
  check('digest_events_payload_json', sql`json_valid("payload")`),
]);

export const runs = sqliteTable('digest_runs', {
  id: id(),
  eventType: text('event_type').notNull(),
  slotAt: text('slot_at'),
  trigger: text('trigger').notNull(),
  status: text('status').notNull().default('running'),
  eventsClaimed: integer('events_claimed').notNull().default(0),
  deliveriesCreated: integer('deliveries_created').notNull().default(0),
  deliveriesSent: integer('deliveries_sent').notNull().default(0),
  deliveriesFailed: integer('deliveries_failed').notNull().default(0),
  owner: text('owner').notNull(),
  startedAt: text('started_at').notNull().default(utcNow),
  finishedAt: text('finished_at'),
  error: text('error'),
}, (t) => [
  uniqueIndex('digest_runs_slot').on(t.eventType, t.slotAt),
  index('digest_runs_type_started').on(t.eventType, t.startedAt),
  index('digest_runs_status').on(t.status, t.finishedAt),
]);

export const deliveries = sqliteTable('digest_deliveries', {
  id: id(),
  runId: integer('run_id', { mode: 'number' }).notNull(),
  eventType: text('event_type').notNull(),
  recipient: text('recipient').notNull(),
  groupKey: text('group_key').notNull(),
  status: text('status').notNull().default('pending'),
  attempts: integer('attempts').notNull().default(0),
  nextAttemptAt: text('next_attempt_at'),
  leaseToken: text('lease_token'),
  leaseUntil: text('lease_until'),
  transport: text('transport').notNull(),
  address: text('address'),
  subject: text('subject'),
  text: text('text'),
  html: text('html'),
  messageId: text('message_id'),
  error: text('error'),
  createdAt: text('created_at').notNull().default(utcNow),
  updatedAt: text('updated_at').notNull().default(utcNow),
  sentAt: text('sent_at'),
  slotAt: text('slot_at'),
  slotKey: text('slot_key'),
}, (t) => [
  uniqueIndex('digest_deliveries_group').on(t.runId, t.groupKey),
  uniqueIndex('digest_deliveries_slot').on(t.slotKey),
  index('digest_deliveries_due').on(t.status, t.nextAttemptAt),
  index('digest_deliveries_type_status').on(t.eventType, t.status),
  index('digest_deliveries_sent').on(t.status, t.sentAt),
  // Finding deliveries newest first (GET /v1/deliveries, issue 17): each
  // filter's equality column, then id, so a page is a short backwards range
  // walk with no sort; created_at turns a time range into an id range.
  index('digest_deliveries_recipient').on(t.recipient, t.id),
  index('digest_deliveries_type_id').on(t.eventType, t.id),
  index('digest_deliveries_status_id').on(t.status, t.id),
  index('digest_deliveries_created').on(t.createdAt),
]);

export const workers = sqliteTable('digest_workers', {
  id: text('id').primaryKey(),
  host: text('host').notNull(),
  pid: integer('pid').notNull(),
  startedAt: text('started_at').notNull().default(utcNow),
  heartbeatAt: text('heartbeat_at').notNull().default(utcNow),
});

export const recipients = sqliteTable('digest_recipients', {
  recipient: text('recipient').primaryKey(),
  timeZone: text('time_zone'),
  locale: text('locale'),
  quietStart: text('quiet_start'),
  quietEnd: text('quiet_end'),
  preferences: text('preferences').notNull(),
  updatedAt: text('updated_at').notNull().default(utcNow),
}, () => [
  check('digest_recipients_preferences_json', sql`json_valid("preferences")`),
]);

export const suppressions = sqliteTable('digest_suppressions', {
  address: text('address').primaryKey(),
  reason: text('reason').notNull(),
  detail: text('detail'),
  createdAt: text('created_at').notNull().default(utcNow),
});

/** Urgent events' requests to send now (issue 16): see the MySQL schema. */
export const flushes = sqliteTable('digest_flushes', {
  type: text('type').notNull(),
  recipient: text('recipient').notNull(),
  eventId: integer('event_id').notNull(),
  requestedAt: text('requested_at').notNull().default(utcNow),
}, (t) => [primaryKey({ name: 'digest_flushes_pk', columns: [t.type, t.recipient] })]);
