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

/** Named formats, localized by Intl (`{{date at "date"}}`); a Map, so a format named `constructor` is just a token string. */
const PRESETS = new Map<string, Intl.DateTimeFormatOptions>([
  ['datetime', DateTime.DATETIME_MED],
  ['date', DateTime.DATE_MED],
  ['time', DateTime.TIME_SIMPLE],
]);

/** Dates with no language of their own read the same on every host (luxon would take the host's). */
export const DEFAULT_DATE_LOCALE = 'en-US';

/** An own string property only: the hash and data frame are plain objects, and their prototypes are not ours to read. */
const own = (o: unknown, key: string): string | undefined => {
  if (typeof o !== 'object' || o === null || !Object.hasOwn(o, key)) return undefined;
  const v = (o as Record<string, unknown>)[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
};

/**
 * `{{date occurredAt}}` (medium date and time), `{{date occurredAt "date"}}`,
 * `"time"`, `"datetime"`, or a luxon format (`"yyyy-LL-dd HH:mm"`), in the
 * recipient's time zone and language: the render's data frame carries them
 * (renderer.ts: `@timeZone`, `@locale`), so they hold inside `{{#each}}`.
 * `zone="…"` / `locale="…"` override them. With neither, UTC and en-US, not
 * the host's, so a message reads the same whichever replica rendered it.
 * An unparseable value throws: a digest saying "Invalid DateTime" is worse
 * than a failed (retryable) delivery.
 */
export function date(value: unknown, ...rest: unknown[]): string {
  const options = rest.find(isOptions);
  const format = typeof rest[0] === 'string' ? rest[0] : 'datetime';
  const zone = own(options?.hash, 'zone') ?? own(options?.data, 'timeZone') ?? 'UTC';
  const locale = own(options?.hash, 'locale') ?? own(options?.data, 'locale') ?? DEFAULT_DATE_LOCALE;
  const preset = PRESETS.get(format);
  const fast = !preset && zone === 'UTC' && value instanceof Date ? formatUtc(value, format, locale) : null;
  if (fast != null) return fast;
  const dt = toDateTime(value).setZone(zone).setLocale(locale);
  if (!dt.isValid) throw new Error(`date: cannot format ${JSON.stringify(value)} (${dt.invalidExplanation ?? dt.invalidReason})`);
  return preset ? dt.toLocaleString(preset) : dt.toFormat(format);
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
