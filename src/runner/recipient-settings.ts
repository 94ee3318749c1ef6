/**
 * The language and time zone each group is rendered in. Precedence, first
 * that is set and valid wins:
 *   1. the recipient's profile (digest_recipients: `timeZone`, `locale`);
 *   2. the type's payload field (`timeZoneField`, `localeField`), from the
 *      newest event of the group that carries a valid value;
 *   3. the type's default (`locale`; `timezone`, its cadence zone);
 *   4. the schedules file's top-level `locale` and `timezone` (which also
 *      is every type's `timezone` unless it sets its own).
 * A payload value that is no zone or language tag is passed over (producers
 * are not ours to fail on); a locale null means the default template files.
 */
import { canonicalLocale, isZoneName } from '../locale.js';
import type { DigestConfig } from '../config/types.js';
import { pick } from '../handlers/schema-path.js';
import type { Executor } from '../store/db.js';
import { selectRecipientsByKeys } from '../store/recipients.js';
import type { RecipientProfile, RenderSettings, StoredEvent } from '../types.js';
import type { RunnerContext } from './context.js';

/** Settings of one group: its type, its recipient, its events. */
export type SettingsOf = (type: string, recipient: string, events: readonly StoredEvent[]) => RenderSettings;

/**
 * Reads the profiles of these recipients in one statement (per 1,000 keys:
 * store/recipients.ts selectRecipientsByKeys) — once per claimed page, never
 * per delivery — and returns the resolver for their groups.
 */
export async function loadRecipientSettings(ctx: Pick<RunnerContext, 'config'>, ex: Executor, recipients: readonly string[]): Promise<SettingsOf> {
  return settingsFrom(ctx, recipients.length > 0 ? await selectRecipientsByKeys(ex, recipients) : new Map());
}

/** The resolver over profiles already read (the claim reads them once, to time and to render). */
export const settingsFrom = (ctx: Pick<RunnerContext, 'config'>, profiles: ReadonlyMap<string, Profile>): SettingsOf =>
  (type, recipient, events) => resolveSettings(ctx.config, type, profiles.get(recipient) ?? null, events);

type Profile = Pick<RecipientProfile, 'timeZone' | 'locale'> | null;

/** Pure: the precedence above, for one group. */
export function resolveSettings(config: DigestConfig, type: string, profile: Profile, events: readonly StoredEvent[]): RenderSettings {
  const cfg = config.events[type];
  const fromPayload = (field: string | undefined, valid: (v: string) => string | undefined) =>
    field == null ? undefined : newestValue(events, field, valid);
  return {
    timeZone: profile?.timeZone ?? fromPayload(cfg?.timeZoneField, (v) => (isZoneName(v) ? v : undefined)) ?? cfg?.timezone ?? config.timezone,
    locale: profile?.locale ?? fromPayload(cfg?.localeField, canonicalLocale) ?? cfg?.locale ?? config.locale ?? null,
  };
}

/** The valid value at `path` of the newest event that has one (newest: latest occurredAt, then highest id). */
function newestValue(events: readonly StoredEvent[], path: string, valid: (v: string) => string | undefined): string | undefined {
  const newestFirst = [...events].sort((a, b) => b.occurredAt.getTime() - a.occurredAt.getTime() || b.id - a.id);
  for (const e of newestFirst) {
    const v = pick(e.payload, path); // own properties only: never a prototype's
    const ok = typeof v === 'string' ? valid(v) : undefined;
    if (ok) return ok;
  }
  return undefined;
}
