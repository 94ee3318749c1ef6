import type { Cadence, WallTime, Weekday } from '../types.js';
import type { Retention } from './retention.js';
/** Typed configuration, produced once from config/schedules.yaml by schedules.ts. */


/** TLS settings for an SMTP relay (`ca` is PEM text, e.g. from `${SMTP_CA}`). */
export interface SmtpTls {
  rejectUnauthorized?: boolean;
  servername?: string;
  minVersion?: 'TLSv1.2' | 'TLSv1.3';
  ca?: string;
}

/** DKIM signing for an SMTP transport (nodemailer's `dkim`); `privateKey` is PEM text, e.g. from `${DKIM_KEY}`. */
export interface SmtpDkim {
  domainName: string;
  keySelector: string;
  privateKey: string;
}

export type TransportConfig =
  | { name: string; kind: 'console' }
  | { name: string; kind: 'file'; dir: string; from: string }
  | { name: string; kind: 'smtp'; url: string; from: string; ratePerSecond?: number; tls?: SmtpTls; dkim?: SmtpDkim }
  | {
    name: string; kind: 'webhook'; url: string; secret?: string; timeoutMs: number; concurrency?: number;
    /** POST deliveries as a JSON array, up to `batchSize` (default 100) per request. */
    batch?: boolean; batchSize?: number;
  }
  /** Nothing is sent: rendered deliveries wait for consumers that lease them over HTTP (runner/pull.ts). */
  | { name: string; kind: 'pull' };

/** An event type defined in the schedules file itself (no handler module): see handlers/declared.ts. */
export interface TypeDeclaration {
  group: 'recipient' | 'event';
  /** Dotted path into the payload: the grouping key. */
  recipient: string;
  /** Dotted path to the address; default: the recipient. */
  to?: string;
  template: string;
  /** JSON Schema (draft 2020-12) of the payload. */
  payload: Record<string, unknown>;
}

export interface EventTypeConfig {
  type: string;
  cadence: Cadence;
  /** Name of an entry in `transports`. */
  transport: string;
  timezone: string;
  maxAttempts: number;
  /** Recipients claimed per page of a run. */
  batchSize: number;
  /** Set when the type is declared in the schedules file rather than by a handler module. */
  declared?: TypeDeclaration;
  /** Send window in each recipient's own time (`deliverAt: "09:00"`, optionally on `days`): see recipients/timing.ts. */
  deliverAt?: WallTime;
  days?: Weekday[];
  /**
   * Urgent events (src/urgency.ts): `true` for all, or the dotted payload
   * path whose value marks one. An urgent event sends its recipient's
   * outstanding events now, in one digest, ignoring windows and quiet hours.
   */
  urgent?: true | string;
  /** Language of its messages when the recipient names none (canonical BCP 47); unset: the top-level `locale`. */
  locale?: string;
  /** Dotted payload path of the recipient's language, read from the newest event of a group when the recipient has no profile locale. */
  localeField?: string;
  /** Dotted payload path of the recipient's IANA time zone, read like `localeField`; `timezone` is the fallback. */
  timeZoneField?: string;
  /** Items a template shows at most (plus `total` and `more`); the delivery still takes every event. See handlers/max-items.ts. */
  maxItems?: number;
  /** Dotted payload path: a delivery's events sharing its value become one item. See handlers/collapse.ts. */
  collapseKey?: string;
}

export interface DigestConfig {
  /** Cron cadences' zone, and the zone dates are shown in for recipients with none (a type's `timezone` overrides it). */
  timezone: string;
  /** Language of messages whose recipient and type name none; unset: the default template files, dates in en-US. */
  locale?: string;
  /** Handler modules to import (absolute paths or package names), from `handlers:`. */
  handlers?: string[];
  /** Templates directory (absolute), from `templates:`; DIGEST_TEMPLATES overrides it. */
  templates?: string;
  /** Domain of the Message-IDs (see runner/message-id.ts); unset: derived. */
  messageIdDomain?: string;
  transports: Record<string, TransportConfig>;
  events: Record<string, EventTypeConfig>;
  /** From `retention:`; unset parts take DEFAULT_RETENTION (config/retention.ts). */
  retention?: Retention;
  /** Base URL where this scheduler's HTTP server is reached from outside (no trailing slash): links in messages point here. */
  publicUrl?: string;
  /** One-click unsubscribe (src/unsubscribe/); set only together with `publicUrl`. */
  unsubscribe?: UnsubscribeConfig;
}

/** `unsubscribe:` — the HMAC key of the unsubscribe links' tokens. */
export interface UnsubscribeConfig {
  secret: string;
}
