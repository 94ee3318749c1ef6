/**
 * The shared vocabulary: names every layer uses (see the glossary in
 * DESIGN.md). A leaf module — it imports nothing of ours — so the store, the
 * runner, the scheduler and the HTTP API can all speak it without importing
 * each other (River's `rivertype`).
 */

/** When a type's scheduler wakes (config/cadence.ts parses the text). */
export type Cadence =
  | { kind: 'immediate'; text: 'immediate' }
  | { kind: 'cron'; text: string; timezone: string }
  | { kind: 'every'; text: string; ms: number; timezone: string };

/**
 * pending → sending → sent | failed (will retry) | dead (gave up);
 * a `pull` transport's: pending → `ready` (rendered, waiting for a consumer)
 * → `leased` (a consumer holds it until `lease_until`) → sent | failed | dead;
 * `suppressed`: never sent, on purpose (the recipient turned the type off,
 * or the address is on the suppression list): its events are stamped all
 * the same, and it is never retried. `cancelled`: never sent, on purpose (its
 * one event was cancelled while outstanding: runner/cancel.ts); born so, its
 * event linked and stamped, never retried, pruned like a sent one.
 */
export const DELIVERY_STATUSES = ['pending', 'sending', 'sent', 'failed', 'dead', 'suppressed', 'cancelled', 'ready', 'leased'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * Where an event is, as GET /v1/events/:id, cancel() and the dashboard tell
 * it: outstanding (no delivery yet), claimed (its delivery is pending or
 * sending), then its delivery's end: sent, failed (will retry), dead,
 * suppressed or cancelled.
 */
export const EVENT_STATES = ['outstanding', 'claimed', 'sent', 'failed', 'dead', 'suppressed', 'cancelled'] as const;
export type EventState = (typeof EVENT_STATES)[number];

/**
 * Why a run started: a cron/every `tick`; the `immediate` loop; `catchup` —
 * at start-up, the most recent slot nobody ran (or a slot run that broke
 * off); `followup` — a run started right after another because a recipient
 * had more outstanding events than one delivery takes; `manual` — run now;
 * `window` — events held for a recipient's send window or quiet hours came due;
 * `urgent` — one recipient's urgent event (src/urgency.ts) sends what they have waiting.
 */
export const RUN_TRIGGERS = ['tick', 'immediate', 'catchup', 'followup', 'manual', 'window', 'urgent'] as const;
export type RunTrigger = (typeof RUN_TRIGGERS)[number];

/**
 * 'failed' with an error: the run itself broke off (its claim threw);
 * 'failed' without one: every page was claimed, some deliveries failed (they
 * retry on their own). 'abandoned': its owner stopped heartbeating mid-run.
 */
export type RunStatus = 'running' | 'succeeded' | 'failed' | 'stopped' | 'abandoned';

export interface RunCounts {
  eventsClaimed: number;
  deliveriesCreated: number;
  deliveriesSent: number;
  deliveriesFailed: number;
}

/** An event as the runner reads it back: one stored row of digest_events. */
export interface StoredEvent {
  id: number;
  recipient: string;
  payload: unknown;
  occurredAt: Date;
  /** Set when the row can never be rendered (store/event-row.ts): its delivery fails alone, at once. */
  problem?: string;
}

/** A delivery the runner holds the lease of, with the events it carries. */
export interface ClaimedDelivery {
  id: number;
  leaseToken: string;
  eventType: string;
  recipient: string;
  attempts: number;
  events: StoredEvent[];
  /** Rendered at claim and stored with the row, which was born `sending`: sent as it is. Absent: rendered just before the send. */
  message?: PreparedMessage;
  /** The language and zone to render it in when it is rendered just before the send (runner/recipient-settings.ts). */
  settings?: RenderSettings;
  /** A retry's address as last rendered (stored on the row): its suppression is looked up with the others' ahead of the re-render. */
  address?: string | null;
  /** Its message's address already looked up in the suppression list, at claim: the reason, or null when not suppressed. */
  suppressedAs?: SuppressionReason | null;
}

/**
 * Whom a message is rendered for: the time zone its dates are shown in and
 * the language that picks its template files and month names. Resolved per
 * group (runner/recipient-settings.ts); `locale` null: the default files, dates in `en-US`.
 */
export interface RenderSettings {
  /** IANA time zone, e.g. `Europe/Berlin`. */
  timeZone: string;
  /** BCP 47 language tag, canonical (`de-AT`), or null. */
  locale: string | null;
}

/** A rendered message: its address and content. */
export interface PreparedMessage {
  to: string;
  subject?: string;
  text?: string;
  html?: string;
}

/**
 * What one attempt at a delivery came to. `deferred`: not sent, its transport
 * is down; back to pending without costing an attempt. `suppressed`: not
 * sent, its address is on the suppression list; done.
 */
/** `ready`: handed to a pull transport's consumers (stored rendered; they ack or nack it later). */
export type DeliveryOutcome = 'sent' | 'failed' | 'dead' | 'deferred' | 'lost' | 'suppressed' | 'ready';

/** A local wall time `HH:MM`, 00:00–23:59 (send windows, quiet hours, preferred times). */
export type WallTime = string;
export const WALL_TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** How often a recipient wants a type's digest (their profile's choice; `off`: never). */
export const FREQUENCIES = ['immediate', 'daily', 'weekly', 'off'] as const;
export type Frequency = (typeof FREQUENCIES)[number];

/** Days of the week as profiles, windows and cron name them, Monday first (ISO); cron numbers them from Sunday (config/cron.ts). */
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** One type's preference: `at` is a local 'HH:MM' (daily, weekly), `day` the weekday (weekly only). */
export interface TypePreference {
  frequency: Frequency;
  at?: string;
  day?: Weekday;
}

/**
 * A recipient profile: how one recipient wants their digests. Absent parts
 * (null, a type missing from `preferences`) mean the type's defaults.
 * Quiet hours are local 'HH:MM' times; `start` after `end` wraps midnight.
 */
export interface RecipientProfile {
  /** IANA time zone, e.g. `Europe/Berlin`. */
  timeZone: string | null;
  /** BCP 47 language tag, canonical (`en-US`). */
  locale: string | null;
  quietHours: { start: string; end: string } | null;
  /** By event type. */
  preferences: Record<string, TypePreference>;
}

/** A profile as stored: with its recipient key and when it was last set. */
export interface StoredRecipientProfile extends RecipientProfile {
  recipient: string;
  updatedAt: Date;
}

/** Why an address is suppressed: an operator's entry, a hard bounce, a complaint. */
export const SUPPRESSION_REASONS = ['manual', 'bounce', 'complaint'] as const;
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];

/** An address that must receive nothing; `address` is lower-cased. */
export interface Suppression {
  address: string;
  reason: SuppressionReason;
  detail: string | null;
  createdAt: Date;
}

/** Where a page of suppressions starts: after this address (by address), or after this (createdAt, address) (newest first). */
export type SuppressionCursor = { order: 'address'; after?: string } | { order: 'newest'; after?: { createdAt: Date; address: string } };
