/**
 * Cadences and their slots. A slot is the scheduled instant of a tick; runs
 * are keyed by it (unique per event type), so slot math must be a pure
 * function of (cadence, instant): every replica and every restart computes
 * the same slots, never "now + interval".
 */
import { IANAZone } from 'luxon';
import { matchesDay, parseCronFields, type CronFields } from './cron.js';
import type { Cadence } from '../types.js';

const DAY_MS = 86_400_000;
/** Bound on the search: `0 0 30 2 *` never matches and must not loop forever. */
const SEARCH_DAYS = 5 * 366;
/** UTC offsets lie within -12h..+14h; 15h is a safe band around a local day. */
const OFFSET_BAND_MS = 15 * 3_600_000;

/** First slot strictly after `after`; null for immediate or a cron that never fires. */
export function nextSlot(c: Cadence, after: Date): Date | null {
  if (c.kind === 'immediate') return null;
  return c.kind === 'every' ? everyNext(c.ms, c.timezone, after.getTime()) : cronNext(c.text, c.timezone, after.getTime());
}

/** Latest slot at or before `atOrBefore` (catch-up asks: which tick was last due?). */
export function previousSlot(c: Cadence, atOrBefore: Date): Date | null {
  if (c.kind === 'immediate') return null;
  const t = atOrBefore.getTime();
  return c.kind === 'every' ? everyPrevious(c.ms, c.timezone, t) : cronPrevious(c.text, c.timezone, t);
}

/** The next `n` slots after `after`, strictly increasing (fewer if the cadence runs out). */
export function nextSlots(c: Cadence, after: Date, n: number): Date[] {
  const out: Date[] = [];
  let at = after;
  while (out.length < n) {
    const next = nextSlot(c, at);
    if (!next) break;
    out.push((at = next));
  }
  return out;
}

// ---- every <duration> -------------------------------------------------------
// A duration that divides 24h is a wall-clock schedule aligned to LOCAL
// midnight: `every 4h` in Europe/Berlin is `0 */4 * * *` there, and goes
// through the same day walk as cron below, so DST days behave the same way
// (`every 1d` fires once on a 23h and on a 25h day; a repeated hour fires
// once). Other durations (5h, 2d …) cannot be aligned to days, so their slots
// are multiples of the duration since the Unix epoch.

const alignsToDays = (ms: number) => DAY_MS % ms === 0;

function everyNext(ms: number, zone: string, a: number): Date | null {
  if (!alignsToDays(ms)) return new Date((Math.floor(a / ms) + 1) * ms);
  return walkNext(daySchedule(ms), zone, a);
}

function everyPrevious(ms: number, zone: string, t: number): Date | null {
  if (!alignsToDays(ms)) return new Date(Math.floor(t / ms) * ms);
  return walkPrevious(daySchedule(ms), zone, t);
}

// ---- cron -------------------------------------------------------------------
// We walk LOCAL calendar days in the cadence's zone and turn each matching
// wall time into an instant. "Wall" values below are local date-times encoded
// as if they were UTC milliseconds (Date.UTC(y, m, d, h, mi, s)).
//
// DST, per wall time:
// - in a spring-forward gap (01:30 on London's 23h day) the wall time does
//   not exist: it maps forward by the gap, to 02:30 BST, the same instant
//   luxon's DateTime.fromObject gives; the tick still happens once that day.
// - in a fall-back overlap (01:30 on London's 25h day) it exists twice: we
//   take the FIRST occurrence (00:30Z) only. luxon's fromObject is not usable
//   here: it picks the later offset for London and New York (01:30Z).
// Each search returns one instant, so two wall times that map to the same
// instant (02:00 and 03:00 on a spring day) yield a single slot.
//
// Why not croner or cron-parser (both tried): they follow Vixie cron, where a
// list or step (`*/30 * * * *`, `15,45 1 * * *`) runs TWICE in a repeated
// hour and not at all in a gap, so a tick can fire twice or skip its day; and
// croner moves a single gap time to the end of the gap (`30 1` in London →
// 02:00 BST, not 02:30). The DST tests in test/unit/cadence.test.ts pin ours.

interface DayClock {
  toInstant(wall: number): number;
  /** Smallest and largest UTC offset (ms) in effect around this day. */
  minOffset: number;
  maxOffset: number;
}

/** Wall time → instant for one local day. Assumes at most one offset change within ±15h of it. */
function dayClock(zone: IANAZone, dayWall: number): DayClock {
  let lo = dayWall - OFFSET_BAND_MS;
  let hi = dayWall + DAY_MS + OFFSET_BAND_MS;
  const before = zone.offset(lo) * 60_000;
  const after = zone.offset(hi) * 60_000;
  const minOffset = Math.min(before, after);
  const maxOffset = Math.max(before, after);
  if (before === after) return { toInstant: (w) => w - before, minOffset, maxOffset };
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (zone.offset(mid) * 60_000 === before) lo = mid;
    else hi = mid;
  }
  // `hi` is the transition instant. Wall times below hi + maxOffset are read
  // with the old offset: for a gap that shifts them forward, for an overlap
  // that picks the first occurrence. Later wall times use the new offset.
  const threshold = hi + maxOffset;
  return { toInstant: (w) => (w < threshold ? w - before : w - after), minOffset, maxOffset };
}

/** Which local days fire, and at which seconds of the day (ascending). */
interface DaySchedule {
  matchesDay(dayWall: number): boolean;
  secondsOfDay: number[];
}

const compiled = new Map<string, DaySchedule>();

function compile(expr: string): DaySchedule {
  let entry = compiled.get(expr);
  if (!entry) {
    const fields = parseCronFields(expr);
    const secondsOfDay: number[] = []; // ascending, since each field list is sorted
    for (const h of fields.hours)
      for (const m of fields.minutes) for (const s of fields.seconds) secondsOfDay.push(h * 3600 + m * 60 + s);
    compiled.set(expr, (entry = { matchesDay: (d) => dayMatches(fields, d), secondsOfDay }));
  }
  return entry;
}

function daySchedule(ms: number): DaySchedule {
  const key = `every:${ms}`;
  let entry = compiled.get(key);
  if (!entry) {
    const step = ms / 1000;
    const secondsOfDay = Array.from({ length: DAY_MS / ms }, (_, k) => k * step);
    compiled.set(key, (entry = { matchesDay: () => true, secondsOfDay }));
  }
  return entry;
}

const localDay = (zone: IANAZone, t: number) => Math.floor((t + zone.offset(t) * 60_000) / DAY_MS);

function dayMatches(fields: CronFields, dayWall: number): boolean {
  const d = new Date(dayWall);
  return matchesDay(fields, d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCDay());
}

const cronNext = (expr: string, zone: string, a: number) => walkNext(compile(expr), zone, a);
const cronPrevious = (expr: string, zone: string, t: number) => walkPrevious(compile(expr), zone, t);

function walkNext({ matchesDay, secondsOfDay }: DaySchedule, zoneName: string, a: number): Date | null {
  const zone = IANAZone.create(zoneName);
  const first = localDay(zone, a) - 1; // a gap can push yesterday's wall time past `a`
  let best = Infinity;
  for (let day = first; day <= first + SEARCH_DAYS; day++) {
    const dayWall = day * DAY_MS;
    if (dayWall - OFFSET_BAND_MS > best) break; // nothing from here on can be earlier
    if (!matchesDay(dayWall)) continue;
    const clock = dayClock(zone, dayWall);
    for (const sec of secondsOfDay) {
      const wall = dayWall + sec * 1000;
      if (wall - clock.maxOffset > best) break;
      if (wall - clock.minOffset <= a) continue;
      const t = clock.toInstant(wall);
      if (t > a && t < best) best = t;
    }
  }
  return best === Infinity ? null : new Date(best);
}

function walkPrevious({ matchesDay, secondsOfDay }: DaySchedule, zoneName: string, t: number): Date | null {
  const zone = IANAZone.create(zoneName);
  const last = localDay(zone, t) + 1;
  let best = -Infinity;
  for (let day = last; day >= last - SEARCH_DAYS; day--) {
    const dayWall = day * DAY_MS;
    if (dayWall + DAY_MS + OFFSET_BAND_MS < best) break; // nothing from here back can be later
    if (!matchesDay(dayWall)) continue;
    const clock = dayClock(zone, dayWall);
    for (let i = secondsOfDay.length - 1; i >= 0; i--) {
      const wall = dayWall + secondsOfDay[i]! * 1000;
      if (wall - clock.minOffset < best) break;
      if (wall - clock.maxOffset > t) continue;
      const instant = clock.toInstant(wall);
      if (instant <= t && instant > best) best = instant;
    }
  }
  return best === -Infinity ? null : new Date(best);
}
