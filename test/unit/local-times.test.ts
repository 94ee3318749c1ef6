import { describe, expect, it } from 'vitest';
import { currentWindowSlot, nextWindowSlot, quietUntil } from '../../src/recipients/local-times.js';

const at = (iso: string) => new Date(iso);
const iso = (d: Date | null) => d?.toISOString() ?? null;

describe('send windows in the recipient\'s own time zone', () => {
  it('09:00 is 09:00 where the recipient lives: Berlin, New York and Tokyo get three instants', () => {
    const after = at('2026-12-01T07:30:00Z');
    expect(iso(nextWindowSlot({ at: '09:00' }, 'Europe/Berlin', after))).toBe('2026-12-01T08:00:00.000Z');
    expect(iso(nextWindowSlot({ at: '09:00' }, 'America/New_York', after))).toBe('2026-12-01T14:00:00.000Z');
    // 16:30 in Tokyo already: tomorrow's 09:00 there.
    expect(iso(nextWindowSlot({ at: '09:00' }, 'Asia/Tokyo', after))).toBe('2026-12-02T00:00:00.000Z');
  });

  it('a slot is strictly after the instant; the current slot is the last at or before it', () => {
    expect(iso(nextWindowSlot({ at: '09:00' }, 'Europe/Berlin', at('2026-12-01T08:00:00Z')))).toBe('2026-12-02T08:00:00.000Z');
    expect(iso(currentWindowSlot({ at: '09:00' }, 'Europe/Berlin', at('2026-12-01T07:30:00Z')))).toBe('2026-11-30T08:00:00.000Z');
    expect(iso(currentWindowSlot({ at: '09:00' }, 'Europe/Berlin', at('2026-12-01T08:00:00Z')))).toBe('2026-12-01T08:00:00.000Z');
  });

  it('days restrict the window: Monday only, asked on a Tuesday, is next Monday', () => {
    expect(iso(nextWindowSlot({ at: '09:00', days: ['mon'] }, 'Europe/Berlin', at('2026-12-01T07:30:00Z')))).toBe('2026-12-07T08:00:00.000Z');
    expect(iso(nextWindowSlot({ at: '09:00', days: ['fri', 'mon', 'fri'] }, 'Europe/Berlin', at('2026-12-01T07:30:00Z')))).toBe('2026-12-04T08:00:00.000Z');
  });

  it('DST as for cadences: a skipped 02:30 shifts by the gap; a repeated 02:30 comes once, at its first occurrence', () => {
    expect(iso(nextWindowSlot({ at: '02:30' }, 'Europe/Berlin', at('2026-03-28T12:00:00Z')))).toBe('2026-03-29T01:30:00.000Z');
    expect(iso(nextWindowSlot({ at: '02:30' }, 'Europe/Berlin', at('2026-10-24T12:00:00Z')))).toBe('2026-10-25T00:30:00.000Z');
    // Not again at the second 02:30 (01:30Z): the next one is the day after.
    expect(iso(nextWindowSlot({ at: '02:30' }, 'Europe/Berlin', at('2026-10-25T00:30:00Z')))).toBe('2026-10-26T01:30:00.000Z');
  });

  it('a window that is not HH:MM is refused with the rule', () => {
    expect(() => nextWindowSlot({ at: '9:00' }, 'Europe/Berlin', at('2026-12-01T00:00:00Z'))).toThrow(/HH:MM/);
    expect(() => nextWindowSlot({ at: '24:00' }, 'Europe/Berlin', at('2026-12-01T00:00:00Z'))).toThrow(/00:00–23:59/);
  });
});

describe('quiet hours', () => {
  const night = { start: '22:00', end: '07:00' };
  const berlin = (utc: string) => quietUntil(night, 'Europe/Berlin', at(utc));

  it('across midnight: inside, they end at the next 07:00 local; start is inside, end is not', () => {
    expect(iso(berlin('2026-12-01T22:00:00Z'))).toBe('2026-12-02T06:00:00.000Z'); // 23:00
    expect(iso(berlin('2026-12-01T21:00:00Z'))).toBe('2026-12-02T06:00:00.000Z'); // 22:00 exactly
    expect(iso(berlin('2026-12-01T05:59:00Z'))).toBe('2026-12-01T06:00:00.000Z'); // 06:59
    expect(berlin('2026-12-01T06:00:00Z')).toBeNull(); // 07:00
    expect(berlin('2026-12-01T20:59:00Z')).toBeNull(); // 21:59
  });

  it('within one day, and in another zone', () => {
    const lunch = { start: '12:00', end: '13:00' };
    expect(iso(quietUntil(lunch, 'America/New_York', at('2026-12-01T17:30:00Z')))).toBe('2026-12-01T18:00:00.000Z');
    expect(quietUntil(lunch, 'America/New_York', at('2026-12-01T12:30:00Z'))).toBeNull();
  });

  it('an end skipped by a spring-forward shifts by the gap; equal start and end mean none', () => {
    expect(iso(quietUntil({ start: '01:00', end: '02:30' }, 'Europe/Berlin', at('2026-03-29T00:30:00Z')))).toBe('2026-03-29T01:30:00.000Z');
    expect(quietUntil({ start: '07:00', end: '07:00' }, 'Europe/Berlin', at('2026-12-01T06:00:00Z'))).toBeNull();
  });
});
