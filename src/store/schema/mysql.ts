/**
 * MySQL / MariaDB schema (drizzle mysql-core). drizzle-kit generates the
 * migrations in drizzle/mysql/ from this file; statements live in src/store/*.ts.
 *
 * Times are UTC DATETIME(3) and default to UTC_TIMESTAMP(3), not NOW(): a
 * producer inserting rows directly (PHP, Go) may run with any session time
 * zone, and leases compare against the database clock.
 *
 * Text keys (events.type/recipient/idempotency_key, deliveries.event_type/
 * recipient/group_key, runs.event_type, recipients.recipient) use a binary NO
 * PAD collation, so they compare exactly, as on SQLite. drizzle cannot say so
 * here: migrations 0001_exact_text_keys and 0004_recipient_profiles set it
 * (utf8mb4_nopad_bin on MariaDB, utf8mb4_0900_bin on MySQL 8).
 */
import { sql } from 'drizzle-orm';
import {
  bigint, char, datetime, index, int, json, mysqlTable, mediumtext, primaryKey, text, uniqueIndex, varchar,
} from 'drizzle-orm/mysql-core';

const utcNow = sql`(UTC_TIMESTAMP(3))`;
const time = (name: string) => datetime(name, { mode: 'date', fsp: 3 });

export const events = mysqlTable('digest_events', {
  id: bigint('id', { mode: 'number', unsigned: true }).autoincrement().primaryKey(),
  type: varchar('type', { length: 191 }).notNull(),
  recipient: varchar('recipient', { length: 191 }).notNull(),
  payload: json('payload').notNull(),
  idempotencyKey: varchar('idempotency_key', { length: 191 }),
  // The type, only for a keyed event (NULL otherwise): see digest_events_key.
  idempotencyScope: varchar('idempotency_scope', { length: 191 })
    .generatedAlwaysAs(sql`(CASE WHEN idempotency_key IS NULL THEN NULL ELSE type END)`, { mode: 'virtual' }),
  occurredAt: time('occurred_at').notNull().default(utcNow),
  availableAt: time('available_at').notNull().default(utcNow),
  recordedAt: time('recorded_at').notNull().default(utcNow),
  deliveryId: bigint('delivery_id', { mode: 'number', unsigned: true }),
  processedAt: time('processed_at'),
  // Set while the event waits for its recipient's own send window or the end
  // of their quiet hours (issue 15): the UTC time it is due. NULL for events
  // no window holds. available_at stays the producer's own "not before".
  heldUntil: time('held_until'),
}, (t) => [
  // Unique (type, idempotency key) for keyed events, with every part NULL for
  // the others. A Galera node certifies each written row by its unique keys'
  // values unless all their parts are NULL: under the plain (type,
  // idempotency_key) index every unkeyed event of a type shared one key
  // ('Order.Created', NULL), so any two nodes writing events of one type at
  // once conflicted at COMMIT (measured: 30 of 30 concurrent pairs; 0 with
  // this index). Key first, so lookups by (type, key) use its prefix.
  uniqueIndex('digest_events_key').on(t.idempotencyKey, t.idempotencyScope),
  // The claim index: outstanding events (delivery_id IS NULL) of one type
  // not held by a window (held_until IS NULL), in recipient order, with
  // available_at to filter without touching rows.
  index('digest_events_claim').on(t.type, t.deliveryId, t.heldUntil, t.recipient, t.availableAt),
  // The due-time index of held events: the next one due, and which types
  // have held events due now, without a scan of every recipient.
  index('digest_events_held').on(t.heldUntil, t.type),
  index('digest_events_delivery').on(t.deliveryId),
  // Retention: processed events older than the cut-off, oldest first.
  index('digest_events_processed').on(t.processedAt),
  // A recipient's outstanding events, across types (the dashboard's recipient page, issue 17).
  index('digest_events_recipient').on(t.recipient, t.deliveryId),
]);

export const runs = mysqlTable('digest_runs', {
  id: bigint('id', { mode: 'number', unsigned: true }).autoincrement().primaryKey(),
  eventType: varchar('event_type', { length: 191 }).notNull(),
  // NULL for immediate and manual runs; unique per type for ticks and catch-ups.
  slotAt: time('slot_at'),
  // The type, only for a slotted run (NULL otherwise): see digest_runs_slot_key.
  slotScope: varchar('slot_scope', { length: 191 })
    .generatedAlwaysAs(sql`(CASE WHEN slot_at IS NULL THEN NULL ELSE event_type END)`, { mode: 'virtual' }),
  trigger: varchar('trigger', { length: 16 }).notNull(),
  status: varchar('status', { length: 16 }).notNull().default('running'),
  eventsClaimed: int('events_claimed').notNull().default(0),
  deliveriesCreated: int('deliveries_created').notNull().default(0),
  deliveriesSent: int('deliveries_sent').notNull().default(0),
  deliveriesFailed: int('deliveries_failed').notNull().default(0),
  owner: varchar('owner', { length: 191 }).notNull(),
  startedAt: time('started_at').notNull().default(utcNow),
  finishedAt: time('finished_at'),
  error: text('error'),
}, (t) => [
  // One run per (type, slot); all-NULL for unslotted runs, which would
  // otherwise share one Galera certification key per type (see digest_events_key).
  uniqueIndex('digest_runs_slot_key').on(t.slotAt, t.slotScope),
  index('digest_runs_type_started').on(t.eventType, t.startedAt),
  // 'running' rows (closing abandoned ones) and finished ones by age (retention).
  index('digest_runs_status').on(t.status, t.finishedAt),
]);

export const deliveries = mysqlTable('digest_deliveries', {
  id: bigint('id', { mode: 'number', unsigned: true }).autoincrement().primaryKey(),
  runId: bigint('run_id', { mode: 'number', unsigned: true }).notNull(),
  eventType: varchar('event_type', { length: 191 }).notNull(),
  recipient: varchar('recipient', { length: 191 }).notNull(),
  // recipient for recipient-grouped runs, '#<event id>' for per-event ones:
  // unique per run, so a recipient's events never split within one run.
  groupKey: varchar('group_key', { length: 191 }).notNull(),
  status: varchar('status', { length: 16 }).notNull().default('pending'),
  attempts: int('attempts').notNull().default(0),
  nextAttemptAt: time('next_attempt_at'),
  leaseToken: varchar('lease_token', { length: 36 }),
  leaseUntil: time('lease_until'),
  transport: varchar('transport', { length: 64 }).notNull(),
  address: varchar('address', { length: 320 }),
  subject: text('subject'),
  text: mediumtext('text'),
  html: mediumtext('html'),
  messageId: varchar('message_id', { length: 255 }),
  error: text('error'),
  createdAt: time('created_at').notNull().default(utcNow),
  updatedAt: time('updated_at').notNull().default(utcNow),
  sentAt: time('sent_at'),
  // A window digest (issue 15): the recipient-local send slot it serves, as
  // UTC, and a hash of (type, recipient, slot) that is unique: one digest
  // per recipient per slot across replicas. Both NULL for other deliveries
  // (an all-NULL unique key, so Galera certifies nothing for them).
  slotAt: time('slot_at'),
  slotKey: char('slot_key', { length: 64 }),
}, (t) => [
  uniqueIndex('digest_deliveries_group').on(t.runId, t.groupKey),
  uniqueIndex('digest_deliveries_slot').on(t.slotKey),
  index('digest_deliveries_due').on(t.status, t.nextAttemptAt),
  index('digest_deliveries_type_status').on(t.eventType, t.status),
  // Retention: sent deliveries older than the cut-off, oldest first.
  index('digest_deliveries_sent').on(t.status, t.sentAt),
  // Finding deliveries newest first (GET /v1/deliveries, issue 17): each
  // filter's equality column, then id, so a page is a short backwards range
  // walk with no sort; created_at turns a time range into an id range.
  index('digest_deliveries_recipient').on(t.recipient, t.id),
  index('digest_deliveries_type_id').on(t.eventType, t.id),
  index('digest_deliveries_status_id').on(t.status, t.id),
  index('digest_deliveries_created').on(t.createdAt),
]);

export const workers = mysqlTable('digest_workers', {
  id: varchar('id', { length: 64 }).primaryKey(),
  host: varchar('host', { length: 191 }).notNull(),
  pid: int('pid').notNull(),
  startedAt: time('started_at').notNull().default(utcNow),
  heartbeatAt: time('heartbeat_at').notNull().default(utcNow),
});

/**
 * Recipient profiles (issue 15): how a recipient wants their digests. Keyed
 * by the same recipient key the events carry; a recipient without a row gets
 * each type's defaults. Quiet hours are local 'HH:MM' times in time_zone.
 */
export const recipients = mysqlTable('digest_recipients', {
  recipient: varchar('recipient', { length: 191 }).primaryKey(),
  timeZone: varchar('time_zone', { length: 64 }),
  locale: varchar('locale', { length: 64 }),
  quietStart: char('quiet_start', { length: 5 }),
  quietEnd: char('quiet_end', { length: 5 }),
  // { "<event type>": { frequency, at?, day? } }: see recipients/profile.ts.
  preferences: json('preferences').notNull(),
  updatedAt: time('updated_at').notNull().default(utcNow),
});

/**
 * Addresses that must receive nothing (issue 15): a hard bounce, a
 * complaint, or an operator's entry. Stored lower-cased: mailbox providers
 * treat addresses case-insensitively, and so does suppression.
 */
export const suppressions = mysqlTable('digest_suppressions', {
  address: varchar('address', { length: 320 }).primaryKey(),
  // 'bounce' | 'complaint' | 'manual'
  reason: varchar('reason', { length: 32 }).notNull(),
  detail: text('detail'),
  createdAt: time('created_at').notNull().default(utcNow),
});

/**
 * Urgent events' requests to send their recipient's digest now (issue 16):
 * one row per (type, recipient), naming the latest urgent event. The
 * scheduler's window pass claims the recipient's outstanding events and
 * drops the row once that event is no longer outstanding (whoever took it).
 * Keyed by the pair, so a burst of urgent events asks once.
 */
export const flushes = mysqlTable('digest_flushes', {
  type: varchar('type', { length: 191 }).notNull(),
  recipient: varchar('recipient', { length: 191 }).notNull(),
  eventId: bigint('event_id', { mode: 'number', unsigned: true }).notNull(),
  requestedAt: time('requested_at').notNull().default(utcNow),
}, (t) => [primaryKey({ name: 'digest_flushes_pk', columns: [t.type, t.recipient] })]);
