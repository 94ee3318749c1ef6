/**
 * A type's rendering options in the schedules file: its default language and
 * the payload fields that carry a recipient's own language and time zone
 * (used by runner/recipient-settings.ts). Checked after the type's shape, like
 * its zone and cadence, so a bad tag does not hide a bad cadence.
 */
import type { Issue } from '../errors.js';
import { canonicalLocale } from '../locale.js';
import type { EventTypeConfig } from './types.js';

export type RenderingOptions = Pick<EventTypeConfig, 'locale' | 'localeField' | 'timeZoneField'>;

/** `lang`, `recipient.tz`: dot-separated names, none empty. */
const FIELD_PATH = /^[^.\s]+(\.[^.\s]+)*$/;

/** `value` if it is a dotted payload path, else an issue at `path` (also for urgent, issue 16). */
export function checkFieldPath(value: string, path: string, issues: Issue[]): string | undefined {
  if (FIELD_PATH.test(value)) return value;
  issues.push({ path, message: `"${value}" is not a payload field name or dotted path (e.g. recipient.tz)` });
  return undefined;
}

/** The canonical tag (`de-at` → `de-AT`), or an issue at `path`. */
export function checkLocale(value: string, path: string, issues: Issue[]): string | undefined {
  const tag = canonicalLocale(value);
  if (tag == null) issues.push({ path, message: `"${value}" is not a BCP 47 language tag (e.g. de, de-AT, en-US)` });
  return tag;
}

export function checkRendering(path: string, e: { locale?: string; localeField?: string; timeZoneField?: string }, issues: Issue[]): RenderingOptions {
  const out: RenderingOptions = {};
  if (e.locale !== undefined) {
    const tag = checkLocale(e.locale, `${path}.locale`, issues);
    if (tag) out.locale = tag;
  }
  for (const key of ['localeField', 'timeZoneField'] as const) {
    const field = e[key];
    const ok = field === undefined ? undefined : checkFieldPath(field, `${path}.${key}`, issues);
    if (ok) out[key] = ok;
  }
  return out;
}
