import { describe, expect, it } from 'vitest';
import { timeFormat } from '../../src/http/dashboard/time-format.js';

const t = timeFormat();
const now = Date.parse('2026-12-01T14:05:00.000Z');

describe('dashboard time format', () => {
  it('writes durations in at most two units', () => {
    expect(t.duration(850)).toBe('850 ms');
    expect(t.duration(12_400)).toBe('12 s');
    expect(t.duration(184_000)).toBe('3 min 4 s');
    expect(t.duration(3 * 3_600_000 + 12 * 60_000 + 7_000)).toBe('3 h 12 min');
    expect(t.duration(2 * 3_600_000)).toBe('2 h');
    expect(t.duration(3 * 86_400_000 + 4 * 3_600_000)).toBe('3 d 4 h');
    expect(t.duration(-60_000)).toBe('1 min');
  });

  it('writes times relative to now, both ways', () => {
    expect(t.relative(now - 4 * 60_000, now)).toBe('4 min ago');
    expect(t.relative(now + 3 * 3_600_000 + 12 * 60_000, now)).toBe('in 3 h 12 min');
    expect(t.relative(now + 400, now)).toBe('just now');
    expect(t.relative(now - 30_000, now)).toBe('30 s ago');
  });

  it('writes the exact time in UTC and in a zone, falling back to UTC for an unknown zone', () => {
    expect(t.exact(now)).toBe('2026-12-01 14:05:00 UTC');
    expect(t.exact(now, 'Europe/Berlin')).toBe('2026-12-01 15:05:00 Europe/Berlin');
    expect(t.exact(Date.parse('2026-07-01T23:30:00Z'), 'Europe/Berlin')).toBe('2026-07-02 01:30:00 Europe/Berlin');
    expect(t.exact(now, 'Mars/Olympus')).toBe('2026-12-01 14:05:00 UTC');
    expect(t.exactBoth(now, 'America/New_York')).toBe('2026-12-01 14:05:00 UTC · 2026-12-01 09:05:00 America/New_York');
    expect(t.exactBoth(now, 'UTC')).toBe('2026-12-01 14:05:00 UTC');
  });

  it('runs from its own source text, as the page inlines it', () => {
    const inlined = new Function('return (' + timeFormat.toString() + ')()')() as ReturnType<typeof timeFormat>;
    expect(inlined.relative(now - 90_000, now)).toBe('1 min 30 s ago');
  });
});
