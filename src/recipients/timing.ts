/**
 * When a recipient's outstanding events of a type go out (issue 15): now,
 * held until a later instant (their send window, the end of their quiet
 * hours), or never (`off`: suppressed, stamped, visible). Pure: the claim
 * (runner/claim.ts) asks this for each recipient of a page, with the
 * recipient's profile and the oldest outstanding event's due time, and
 * every replica computes the same answer from the same rows and instant.
 */
import type { RecipientProfile, TypePreference, WallTime, Weekday } from '../types.js';
import { currentWindowSlot, nextWindowSlot, quietUntil, type SendWindow } from './local-times.js';

/** A type's own timing settings (config/types.ts EventTypeConfig). */
export interface TypeTiming {
  type: string;
  deliverAt?: WallTime;
  days?: Weekday[];
}

/**
 * `send` with a slot: this recipient's digest for that window slot, once
 * (runner/claim.ts keys the delivery by it); if the slot turns out to have
 * had its digest already, hold until `ifTaken`. `send` without a slot: a
 * delivery as any other.
 */
export type Timing =
  | { act: 'send'; slot: null }
  | { act: 'send'; slot: Date; ifTaken: Date }
  | { act: 'hold'; until: Date }
  | { act: 'suppress' };

/** A daily or weekly digest when no time is named: 09:00, Mondays. */
export const DEFAULT_WINDOW_AT = '09:00';
export const DEFAULT_WEEKLY_DAY: Weekday = 'mon';

/**
 * The recipient's window for the type, if any: their own frequency first
 * (`daily`/`weekly` at their `at`, else the type's deliverAt), else the
 * type's deliverAt on its days. `immediate` (or nothing) on a type without
 * deliverAt: no window, the type's cadence alone decides.
 */
export function windowOf(t: TypeTiming, pref: TypePreference | undefined): SendWindow | null {
  const at = pref?.at ?? t.deliverAt ?? DEFAULT_WINDOW_AT;
  switch (pref?.frequency) {
    case 'daily': return { at };
    case 'weekly': return { at, days: [pref.day ?? t.days?.[0] ?? DEFAULT_WEEKLY_DAY] };
    case 'immediate': return null;
    default: return t.deliverAt ? { at: t.deliverAt, ...(t.days && { days: t.days }) } : null;
  }
}

/**
 * `since`: when the recipient's oldest outstanding event became due
 * (available_at). A window digest goes out when that is at or before the
 * window's latest slot — the events were waiting when the slot came — and
 * otherwise waits for the next slot: an event arriving after today's 09:00
 * waits for tomorrow's, even if today's digest had nothing else to carry.
 * A scheduler that was down across a slot sends that slot's digest when it
 * is back (one digest, however many slots it missed). Quiet hours defer
 * whatever would go out inside them to their end.
 * `manual` (digest run now), or `urgent` (the recipient's events include an
 * urgent one, src/urgency.ts): everything goes now; only `off` still holds.
 * `zone`: the recipient's, as rendering resolves it (their profile's, a
 * payload field's, else the type's: runner/recipient-settings.ts).
 */
export function timingFor(
  t: TypeTiming, profile: RecipientProfile | null | undefined, zone: string, since: Date, now: Date, manual = false, urgent = false,
): Timing {
  const pref = profile?.preferences[t.type];
  if (pref?.frequency === 'off') return { act: 'suppress' };
  if (manual || urgent) return { act: 'send', slot: null };
  const quiet = profile?.quietHours ?? null;
  // The end of the quiet hours `at` falls in, else `at` itself.
  const afterQuiet = (at: Date) => (quiet ? quietUntil(quiet, zone, at) : null) ?? at;
  const quietNow = afterQuiet(now);
  const window = windowOf(t, pref);
  if (!window) return quietNow > now ? { act: 'hold', until: quietNow } : { act: 'send', slot: null };
  const next = afterQuiet(nextWindowSlot(window, zone, now));
  const slot = currentWindowSlot(window, zone, now);
  if (since > slot) return { act: 'hold', until: next };
  return quietNow > now ? { act: 'hold', until: quietNow } : { act: 'send', slot, ifTaken: next };
}
