import type { HelperDelegate, HelperOptions } from 'handlebars';
import { DateTime } from 'luxon';
import { formatUtc } from './utc-format.js';

/**
 * Template helpers. Kept free of Handlebars instances so they are plain
 * functions: handlebars.ts registers them on our own instance only (never
 * on the global one, which other code in the process could alter).
 *
 * Handlebars passes its `options` object as the LAST argument, so optional
 * positional arguments are detected by checking for it.
 */

const isOptions = (v: unknown): v is HelperOptions =>
  typeof v === 'object' && v !== null && 'hash' in v && 'name' in v;

function toDateTime(value: unknown): DateTime {
  if (value instanceof Date) return DateTime.fromJSDate(value);
  if (typeof value === 'string') return DateTime.fromISO(value, { setZone: true });
  if (typeof value === 'number') return DateTime.fromMillis(value);
  return DateTime.invalid('not a date');
}

/**
 * `{{date occurredAt "yyyy-LL-dd HH:mm" zone="Europe/Berlin"}}`. The zone
 * defaults to UTC, not the host's zone, so a message reads the same no
 * matter which replica rendered it. An unparseable value throws: a digest
 * saying "Invalid DateTime" is worse than a failed (retryable) delivery.
 */
export function date(value: unknown, ...rest: unknown[]): string {
  const options = rest.find(isOptions);
  const format = typeof rest[0] === 'string' ? rest[0] : "yyyy-LL-dd HH:mm 'UTC'";
  const zone = typeof options?.hash['zone'] === 'string' ? options.hash['zone'] : 'UTC';
  const fast = zone === 'UTC' && value instanceof Date ? formatUtc(value, format) : null;
  if (fast != null) return fast;
  const dt = toDateTime(value).setZone(zone);
  if (!dt.isValid) throw new Error(`date: cannot format ${JSON.stringify(value)} (${dt.invalidExplanation ?? dt.invalidReason})`);
  return dt.toFormat(format);
}

/** `{{pluralize count "request" "requests"}}` → "1 request" / "3 requests". */
export function pluralize(count: unknown, singular: unknown, ...rest: unknown[]): string {
  const n = typeof count === 'number' ? count : Number(count);
  const one = String(singular);
  const many = typeof rest[0] === 'string' ? rest[0] : `${one}s`;
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * `{{andMore names 3}}` → "a, b, c and 2 more"; a short list reads
 * naturally ("a and b"). Long lists stay one line, which subjects need.
 */
export function andMore(list: unknown, ...rest: unknown[]): string {
  const items = Array.isArray(list) ? list.map(String) : [];
  const limit = typeof rest[0] === 'number' && rest[0] > 0 ? rest[0] : 3;
  if (items.length <= 1) return items[0] ?? '';
  if (items.length <= limit) return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
  return `${items.slice(0, limit).join(', ')} and ${items.length - limit} more`;
}

export const helpers: Record<string, HelperDelegate> = { date, pluralize, andMore };
