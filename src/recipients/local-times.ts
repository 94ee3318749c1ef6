/**
 * A recipient's own clock (issue 15): when a send window comes due and when
 * quiet hours end, in the recipient's time zone. Both are daily wall times,
 * so both go through the cadence engine (config/slots.ts) as cron expressions in
 * that zone: the DST rules are the ones the README documents for cadences
 * (a wall time skipped by a spring-forward shifts by the gap, a repeated one
 * counts once, at its first occurrence), and a slot is a pure function of
 * (window, zone, instant), so every replica computes the same one.
 */
import { type Cadence, WALL_TIME, type WallTime, type Weekday } from '../types.js';
import { nextSlot, previousSlot } from '../config/slots.js';

/** Deliver at `at` local time, on `days` (every day when absent or empty). */
export interface SendWindow {
  at: WallTime;
  days?: readonly Weekday[];
}

/** Quiet from `start` (inclusive) to `end` (exclusive), local time; may wrap midnight (22:00–07:00). */
export interface QuietHours {
  start: WallTime;
  end: WallTime;
}

function daily(at: WallTime, zone: string, days?: readonly Weekday[]): Cadence {
  const m = WALL_TIME.exec(at);
  if (!m) throw new Error(`"${at}" is not a local time HH:MM (00:00–23:59)`);
  // Cron takes the day names themselves.
  const dow = days?.length ? [...new Set(days)].join(',') : '*';
  return { kind: 'cron', text: `${Number(m[2])} ${Number(m[1])} * * ${dow}`, timezone: zone };
}

/** The window's first slot strictly after `after`, in `zone`. */
export function nextWindowSlot(window: SendWindow, zone: string, after: Date): Date {
  return nextSlot(daily(window.at, zone, window.days), after)!;
}

/** The window's latest slot at or before `at`: the slot a digest due now belongs to. */
export function currentWindowSlot(window: SendWindow, zone: string, at: Date): Date {
  return previousSlot(daily(window.at, zone, window.days), at)!;
}

/**
 * When the quiet hours that `at` falls in end, or null when `at` is outside
 * them. Inside means: the last start at or before `at` is later than the
 * last end at or before it, which holds across midnight and DST days alike.
 * Equal start and end mean no quiet hours.
 */
export function quietUntil(quiet: QuietHours, zone: string, at: Date): Date | null {
  if (quiet.start === quiet.end) return null;
  const start = daily(quiet.start, zone);
  const end = daily(quiet.end, zone);
  const lastStart = previousSlot(start, at)!.getTime();
  const lastEnd = previousSlot(end, at)!.getTime();
  return lastStart > lastEnd ? nextSlot(end, at) : null;
}
