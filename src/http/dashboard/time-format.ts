/**
 * How the dashboard writes times and durations for people: "4 min ago",
 * "in 3 h 12 min", "2 min 5 s", with the exact instant (UTC and a zone) for
 * the tooltip and the accessible label.
 *
 * The page runs this same code: dashboard/page.ts inlines the function's
 * source (Function.prototype.toString), so it must stay self-contained: no
 * imports, no references outside its own body, only what a browser has (Intl).
 */
export interface TimeFormat {
  /** A duration in milliseconds in at most two units: "850 ms", "12 s", "3 min 4 s", "2 h 5 min", "3 d 4 h". */
  duration(ms: number): string;
  /** `at` relative to `now` (both epoch ms): "just now", "4 min ago", "in 3 h 12 min". */
  relative(at: number, now: number): string;
  /** `at` as "2026-12-01 14:05:00 UTC", or in `zone` as "2026-12-01 15:05:00 Europe/Berlin"; an unknown zone falls back to UTC. */
  exact(at: number, zone?: string): string;
  /** "2026-12-01 14:05:00 UTC · 2026-12-01 15:05:00 Europe/Berlin" (the zone part only when it is not UTC). */
  exactBoth(at: number, zone?: string): string;
}

export function timeFormat(): TimeFormat {
  const units: [string, number][] = [['d', 86_400_000], ['h', 3_600_000], ['min', 60_000], ['s', 1_000]];
  function duration(ms: number): string {
    const abs = Math.abs(Math.round(ms));
    if (abs < 1_000) return abs + ' ms';
    for (let i = 0; i < units.length; i++) {
      const [name, size] = units[i]!;
      if (abs < size) continue;
      const whole = Math.floor(abs / size);
      const next = units[i + 1];
      // Two units at most: "3 h 12 min" reads at a glance, "3 h 12 min 7 s" does not.
      const rest = next ? Math.floor((abs - whole * size) / next[1]) : 0;
      return whole + ' ' + name + (next && rest > 0 ? ' ' + rest + ' ' + next[0] : '');
    }
    return abs + ' ms';
  }
  function relative(at: number, now: number): string {
    const diff = at - now;
    // Clocks of the browser and the server differ a little: a second either way is "now".
    if (Math.abs(diff) < 1_000) return 'just now';
    return diff > 0 ? 'in ' + duration(diff) : duration(diff) + ' ago';
  }
  function exact(at: number, zone?: string): string {
    const tz = zone || 'UTC';
    let parts: Intl.DateTimeFormatPart[];
    try {
      parts = new Intl.DateTimeFormat('en-GB', {
        timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit',
        hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
      }).formatToParts(new Date(at));
    } catch {
      return exact(at, 'UTC');
    }
    const p = (type: string) => parts.find((x) => x.type === type)?.value ?? '';
    return p('year') + '-' + p('month') + '-' + p('day') + ' ' + p('hour') + ':' + p('minute') + ':' + p('second') + ' ' + tz;
  }
  function exactBoth(at: number, zone?: string): string {
    const utc = exact(at, 'UTC');
    return zone && zone !== 'UTC' && zone !== 'Etc/UTC' ? utc + ' · ' + exact(at, zone) : utc;
  }
  return { duration, relative, exact, exactBoth };
}
