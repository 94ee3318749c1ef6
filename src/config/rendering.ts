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
    if (field === undefined) continue;
    if (FIELD_PATH.test(field)) out[key] = field;
    else issues.push({ path: `${path}.${key}`, message: `"${field}" is not a payload field name or dotted path (e.g. recipient.tz)` });
  }
  return out;
}
