import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { parseCadence } from '../../src/config/cadence.js';
import { nextSlot, nextSlots, previousSlot } from '../../src/config/slots.js';
import type { Cadence } from '../../src/types.js';
import { matchesDay, parseCron } from '../../src/config/cron.js';

const iso = (d: Date | null) => d?.toISOString() ?? null;
const at = (s: string) => new Date(s);
const range = (from: number, to: number, step = 1) =>
  Array.from({ length: Math.floor((to - from) / step) + 1 }, (_, i) => from + i * step);

/** Every slot in [from, to), as ISO strings. */
function slotsBetween(c: Cadence, from: string, to: string): string[] {
  const end = at(to).getTime();
  const out: string[] = [];
  for (let s = nextSlot(c, new Date(at(from).getTime() - 1)); s && s.getTime() < end; s = nextSlot(c, s)) {
    out.push(s.toISOString());
  }
  return out;
}

describe('parseCron', () => {
  it('expands steps, ranges and lists; seconds default to 0', () => {
    const f = parseCron('0 */4 * * *');
    expect(f.seconds).toEqual([0]);
    expect(f.minutes).toEqual([0]);
    expect(f.hours).toEqual([0, 4, 8, 12, 16, 20]);
    expect(f.daysOfMonth).toEqual(range(1, 31));
    expect(f.daysOfWeek).toEqual(range(0, 6));
    expect(parseCron('10-50/5 1,3,2 * * *').minutes).toEqual(range(10, 50, 5));
    expect(parseCron('10-50/5 1,3,2 * * *').hours).toEqual([1, 2, 3]);
  });

  it('accepts month and weekday names, and 7 as Sunday', () => {
    const f = parseCron('0 9 * jan-MAR MON-FRI');
    expect(f.months).toEqual([1, 2, 3]);
    expect(f.daysOfWeek).toEqual([1, 2, 3, 4, 5]);
    expect(parseCron('0 0 * * 7').daysOfWeek).toEqual([0]);
    expect(parseCron('0 0 * * SUN,sat').daysOfWeek).toEqual([0, 6]);
    expect(parseCron('0 0 * * 5-7').daysOfWeek).toEqual([0, 5, 6]);
    expect(parseCron('0 0 1 DEC *').months).toEqual([12]);
  });

  it('reads 6 fields as seconds first', () => {
    const f = parseCron('*/15 30 2 * * *');
    expect(f.seconds).toEqual([0, 15, 30, 45]);
    expect(f.minutes).toEqual([30]);
    expect(f.hours).toEqual([2]);
  });

  it('knows which day fields are restricted, and nicknames', () => {
    expect(parseCron('0 0 1 * MON')).toMatchObject({ dayOfMonthRestricted: true, dayOfWeekRestricted: true });
    expect(parseCron('0 0 * * MON')).toMatchObject({ dayOfMonthRestricted: false, dayOfWeekRestricted: true });
    expect(parseCron('@daily')).toMatchObject({ minutes: [0], hours: [0], dayOfMonthRestricted: false });
  });

  it.each([
    ['0 */4 * *', /^"0 \*\/4 \* \*" is not a valid cron expression$/],
    ['* * * * * * *', /not a valid cron expression/],
    ['60 * * * *', /minute 60 is out of range 0-59/],
    ['0 24 * * *', /hour 24 is out of range/],
    ['0 0 0 * *', /day of month 0 is out of range/],
    ['0 0 * 13 *', /month 13 is out of range/],
    ['0 0 * * 8', /day of week 8 is out of range/],
    ['*/0 * * * *', /step "0" must be a positive integer/],
    ['5-1 * * * *', /goes backwards/],
    ['0 0 * * FUNDAY', /"FUNDAY" is not a number or name/],
    ['0 0 * MON *', /month "MON"/],
    ['L * * * *', /not a valid cron expression/],
    ['1,,2 * * * *', /malformed/],
    ['0 0 30 2 *', /impossible day of month/], // passes our parser, node-cron rejects it
    ['', /not a valid cron expression/],
  ])('rejects %j', (expr, message) => {
    expect(() => parseCron(expr)).toThrow(message);
  });
});

describe('matchesDay', () => {
  it('ORs the day fields when both are restricted (Vixie cron), ANDs otherwise', () => {
    const both = parseCron('0 0 1 * MON');
    expect(matchesDay(both, 6, 1, 1)).toBe(true); // 1st and Monday
    expect(matchesDay(both, 6, 8, 1)).toBe(true); // a Monday, not the 1st
    expect(matchesDay(both, 7, 1, 3)).toBe(true); // the 1st, a Wednesday
    expect(matchesDay(both, 7, 2, 4)).toBe(false);
    const weekdaysOnly = parseCron('0 0 * * MON');
    expect(matchesDay(weekdaysOnly, 7, 1, 3)).toBe(false);
    expect(matchesDay(parseCron('0 0 1 2 *'), 3, 1, 0)).toBe(false); // wrong month
  });

  it('ORs in the slot search too', () => {
    const c = parseCadence('0 0 1 * MON', 'UTC');
    expect(nextSlots(c, at('2026-06-02T00:00:00Z'), 5).map(iso)).toEqual([
      '2026-06-08T00:00:00.000Z',
      '2026-06-15T00:00:00.000Z',
      '2026-06-22T00:00:00.000Z',
      '2026-06-29T00:00:00.000Z',
      '2026-07-01T00:00:00.000Z',
    ]);
  });
});

describe('parseCadence', () => {
  it('parses immediate, every and cron', () => {
    expect(parseCadence('immediate', 'UTC')).toEqual({ kind: 'immediate', text: 'immediate' });
    expect(parseCadence('every 4h', 'Europe/Berlin')).toEqual({ kind: 'every', text: 'every 4h', ms: 4 * 3_600_000, timezone: 'Europe/Berlin' });
    expect(parseCadence('every 90m', 'UTC')).toMatchObject({ ms: 90 * 60_000 });
    expect(parseCadence('every 1h30m', 'UTC')).toMatchObject({ ms: 90 * 60_000 });
    expect(parseCadence('every 1s', 'UTC')).toMatchObject({ ms: 1000 });
    expect(parseCadence('every 2d', 'UTC')).toMatchObject({ ms: 2 * 86_400_000 });
    expect(parseCadence(' 0 */4 * * * ', 'America/New_York')).toEqual({ kind: 'cron', text: '0 */4 * * *', timezone: 'America/New_York' });
  });

  it.each([
    ['every 0s', /at least 1s/],
    ['every 0m', /at least 1s/],
    ['every 5x', /not a valid interval/],
    ['every 500ms', /not a valid interval/],
    ['every', /not a cadence/],
    ['hourly', /not a cadence/],
    ['0 */4 * *', /^"0 \*\/4 \* \*" is not a valid cron expression$/],
  ])('rejects %j', (text, message) => {
    expect(() => parseCadence(text, 'UTC')).toThrow(message);
  });

  it('rejects an unknown time zone', () => {
    expect(() => parseCadence('every 1h', 'Mars/Olympus')).toThrow('unknown time zone "Mars/Olympus"');
    expect(() => parseCadence('0 * * * *', 'Nope')).toThrow(/unknown time zone/);
  });
});

describe('cron slots', () => {
  const every4h = parseCadence('0 */4 * * *', 'UTC');

  it('next is strictly after, previous is at or before', () => {
    expect(iso(nextSlot(every4h, at('2026-05-10T10:15:00Z')))).toBe('2026-05-10T12:00:00.000Z');
    expect(iso(nextSlot(every4h, at('2026-05-10T12:00:00Z')))).toBe('2026-05-10T16:00:00.000Z');
    expect(iso(nextSlot(every4h, at('2026-05-10T22:00:00Z')))).toBe('2026-05-11T00:00:00.000Z');
    expect(iso(previousSlot(every4h, at('2026-05-10T12:00:00Z')))).toBe('2026-05-10T12:00:00.000Z');
    expect(iso(previousSlot(every4h, at('2026-05-10T11:59:59.999Z')))).toBe('2026-05-10T08:00:00.000Z');
    expect(iso(previousSlot(every4h, at('2026-05-10T02:00:00Z')))).toBe('2026-05-10T00:00:00.000Z');
  });

  it('works in the cadence time zone', () => {
    const nine = parseCadence('0 9 * * *', 'Europe/Berlin');
    expect(iso(nextSlot(nine, at('2026-01-15T00:00:00Z')))).toBe('2026-01-15T08:00:00.000Z'); // CET
    expect(iso(nextSlot(nine, at('2026-07-15T00:00:00Z')))).toBe('2026-07-15T07:00:00.000Z'); // CEST
    // 23:30 in Auckland is already the next local day.
    const auckland = parseCadence('0 0 * * MON', 'Pacific/Auckland');
    expect(iso(nextSlot(auckland, at('2026-06-14T11:00:00Z')))).toBe('2026-06-14T12:00:00.000Z');
  });

  it('honours seconds in 6-field expressions', () => {
    const c = parseCadence('*/15 * * * * *', 'UTC');
    expect(nextSlots(c, at('2026-05-10T10:00:07Z'), 3).map(iso)).toEqual([
      '2026-05-10T10:00:15.000Z',
      '2026-05-10T10:00:30.000Z',
      '2026-05-10T10:00:45.000Z',
    ]);
    expect(iso(previousSlot(c, at('2026-05-10T10:00:14.999Z')))).toBe('2026-05-10T10:00:00.000Z');
  });

  it('nextSlots returns n strictly increasing slots that previousSlot agrees with', () => {
    const c = parseCadence('*/20 1-3 * * *', 'Europe/London');
    const slots = nextSlots(c, at('2026-10-23T00:00:00Z'), 40);
    expect(slots).toHaveLength(40);
    for (let i = 1; i < slots.length; i++) {
      expect(slots[i]!.getTime()).toBeGreaterThan(slots[i - 1]!.getTime());
      expect(previousSlot(c, slots[i]!)).toEqual(slots[i]);
      expect(previousSlot(c, new Date(slots[i]!.getTime() - 1))).toEqual(slots[i - 1]);
    }
  });

  it('gives up after a bounded search instead of looping forever', () => {
    // node-cron rejects Feb 30 at parse time; a Cadence built by hand still must not hang.
    const never: Cadence = { kind: 'cron', text: '0 0 30 2 *', timezone: 'Europe/Berlin' };
    expect(nextSlot(never, at('2026-01-01T00:00:00Z'))).toBeNull();
    expect(previousSlot(never, at('2026-01-01T00:00:00Z'))).toBeNull();
    expect(nextSlots(never, at('2026-01-01T00:00:00Z'), 3)).toEqual([]);
    // ... while a rare but real date is found (leap day, two years away).
    const leap = parseCadence('0 0 29 2 *', 'UTC');
    expect(iso(nextSlot(leap, at('2026-03-01T00:00:00Z')))).toBe('2028-02-29T00:00:00.000Z');
    expect(iso(previousSlot(leap, at('2026-03-01T00:00:00Z')))).toBe('2024-02-29T00:00:00.000Z');
  });

  it('immediate has no slots', () => {
    const c = parseCadence('immediate', 'UTC');
    expect(nextSlot(c, at('2026-01-01T00:00:00Z'))).toBeNull();
    expect(previousSlot(c, at('2026-01-01T00:00:00Z'))).toBeNull();
    expect(nextSlots(c, at('2026-01-01T00:00:00Z'), 3)).toEqual([]);
  });
});

describe('cron slots across DST', () => {
  it('Europe/London 01:30 fires once on the 23h day, at the instant luxon maps it to', () => {
    const c = parseCadence('30 1 * * *', 'Europe/London');
    // 01:30 does not exist on 2026-03-29 (01:00 GMT -> 02:00 BST): it fires at 02:30 BST.
    expect(slotsBetween(c, '2026-03-28T00:00:00Z', '2026-03-31T00:00:00Z')).toEqual([
      '2026-03-28T01:30:00.000Z',
      '2026-03-29T01:30:00.000Z',
      '2026-03-30T00:30:00.000Z',
    ]);
    const luxon = DateTime.fromObject({ year: 2026, month: 3, day: 29, hour: 1, minute: 30 }, { zone: 'Europe/London' });
    expect(luxon.toUTC().toISO()).toBe('2026-03-29T01:30:00.000Z');
  });

  it('Europe/London 01:30 fires once on the 25h day, at the first occurrence', () => {
    const c = parseCadence('30 1 * * *', 'Europe/London');
    expect(slotsBetween(c, '2026-10-24T00:00:00Z', '2026-10-27T00:00:00Z')).toEqual([
      '2026-10-24T00:30:00.000Z',
      '2026-10-25T00:30:00.000Z', // 01:30 BST; the repeat at 01:30 GMT (01:30Z) is skipped
      '2026-10-26T01:30:00.000Z',
    ]);
    expect(iso(previousSlot(c, at('2026-10-25T01:30:00Z')))).toBe('2026-10-25T00:30:00.000Z');
    expect(iso(nextSlot(c, at('2026-10-25T00:30:00Z')))).toBe('2026-10-26T01:30:00.000Z');
  });

  it('America/New_York 01:30 and 02:30 on 2026-03-08 (23h day)', () => {
    expect(slotsBetween(parseCadence('30 1 * * *', 'America/New_York'), '2026-03-07T12:00:00Z', '2026-03-09T12:00:00Z')).toEqual([
      '2026-03-08T06:30:00.000Z', // 01:30 EST, before the jump
      '2026-03-09T05:30:00.000Z', // 01:30 EDT
    ]);
    // 02:30 does not exist: it fires at 03:30 EDT, once.
    expect(slotsBetween(parseCadence('30 2 * * *', 'America/New_York'), '2026-03-07T12:00:00Z', '2026-03-09T12:00:00Z')).toEqual([
      '2026-03-08T07:30:00.000Z',
      '2026-03-09T06:30:00.000Z',
    ]);
  });

  it('America/New_York 01:30 and 02:30 on 2026-11-01 (25h day)', () => {
    expect(slotsBetween(parseCadence('30 1 * * *', 'America/New_York'), '2026-10-31T12:00:00Z', '2026-11-02T12:00:00Z')).toEqual([
      '2026-11-01T05:30:00.000Z', // 01:30 EDT only, not 01:30 EST (06:30Z)
      '2026-11-02T06:30:00.000Z',
    ]);
    expect(slotsBetween(parseCadence('30 2 * * *', 'America/New_York'), '2026-10-31T12:00:00Z', '2026-11-02T12:00:00Z')).toEqual([
      '2026-11-01T07:30:00.000Z', // 02:30 EST exists once
      '2026-11-02T07:30:00.000Z',
    ]);
  });

  it('dedupes wall times that map to one instant', () => {
    // 02:00 (in the gap) and 03:00 EDT are the same instant on 2026-03-08.
    const c = parseCadence('0 2,3 * * *', 'America/New_York');
    expect(slotsBetween(c, '2026-03-08T00:00:00Z', '2026-03-09T00:00:00Z')).toEqual(['2026-03-08T07:00:00.000Z']);
    // London half-hourly: 46 slots on the 23h day (01:00/01:30 = 02:00/02:30 BST), 48 on the 25h day.
    const half = parseCadence('*/30 * * * *', 'Europe/London');
    expect(slotsBetween(half, '2026-03-29T00:00:00Z', '2026-03-29T23:00:00Z')).toHaveLength(46);
    expect(slotsBetween(half, '2026-10-24T23:00:00Z', '2026-10-26T00:00:00Z')).toHaveLength(48);
  });

  // croner and cron-parser follow Vixie cron here instead: lists and steps run
  // twice in a repeated hour and are skipped in a gap.
  it('lists and steps in a DST hour: once in the repeated hour, shifted by the gap (the day is not skipped)', () => {
    expect(slotsBetween(parseCadence('*/30 1 * * *', 'Europe/London'), '2026-10-25T00:00:00Z', '2026-10-26T00:00:00Z')).toEqual([
      '2026-10-25T00:00:00.000Z', // 01:00 BST
      '2026-10-25T00:30:00.000Z', // 01:30 BST; not again at 01:00/01:30 GMT
    ]);
    expect(slotsBetween(parseCadence('15,45 1 * * *', 'Europe/London'), '2026-03-29T00:00:00Z', '2026-03-30T00:00:00Z')).toEqual([
      '2026-03-29T01:15:00.000Z', // 02:15 BST
      '2026-03-29T01:45:00.000Z', // 02:45 BST
    ]);
  });
});

describe('every slots', () => {
  it('aligns durations that divide 24h to local midnight', () => {
    const c = parseCadence('every 4h', 'Europe/Berlin');
    expect(iso(nextSlot(c, at('2026-01-15T10:30:00Z')))).toBe('2026-01-15T11:00:00.000Z'); // 12:00 CET
    expect(iso(previousSlot(c, at('2026-01-15T10:30:00Z')))).toBe('2026-01-15T07:00:00.000Z'); // 08:00 CET
    const hours = nextSlots(c, at('2026-07-01T00:00:00Z'), 12).map((d) => DateTime.fromJSDate(d, { zone: 'Europe/Berlin' }).hour);
    expect(hours).toEqual([4, 8, 12, 16, 20, 0, 4, 8, 12, 16, 20, 0]);
    const ninety = parseCadence('every 90m', 'UTC');
    expect(nextSlots(ninety, at('2026-01-01T22:00:00Z'), 3).map(iso)).toEqual([
      '2026-01-01T22:30:00.000Z',
      '2026-01-02T00:00:00.000Z',
      '2026-01-02T01:30:00.000Z',
    ]);
  });

  it('uses epoch multiples for durations that do not divide 24h', () => {
    const c = parseCadence('every 5h', 'Europe/Berlin');
    const slots = nextSlots(c, at('2026-01-15T10:30:00Z'), 3);
    for (const s of slots) expect(s.getTime() % (5 * 3_600_000)).toBe(0);
    expect(slots[0]!.getTime()).toBeGreaterThan(at('2026-01-15T10:30:00Z').getTime());
    expect(slots[0]!.getTime() - at('2026-01-15T10:30:00Z').getTime()).toBeLessThanOrEqual(5 * 3_600_000);
    expect(previousSlot(c, slots[1]!)).toEqual(slots[1]);
    expect(previousSlot(c, new Date(slots[1]!.getTime() - 1))).toEqual(slots[0]);
  });

  it('is wall-clock on DST days, like the equivalent cron: 00, 04, 08 … local time, each once', () => {
    const c = parseCadence('every 4h', 'Europe/Berlin');
    // 23h day (2026-03-29, CET → CEST at 01:00Z): local 00,04,…,20, then next midnight.
    expect(slotsBetween(c, '2026-03-28T23:00:00Z', '2026-03-29T22:00:01Z')).toEqual(
      ['2026-03-28T23', '2026-03-29T02', '2026-03-29T06', '2026-03-29T10', '2026-03-29T14', '2026-03-29T18', '2026-03-29T22'].map(
        (h) => `${h}:00:00.000Z`,
      ),
    );
    // 25h day (2026-10-25, CEST → CET at 01:00Z).
    expect(slotsBetween(c, '2026-10-24T22:00:00Z', '2026-10-25T23:00:01Z')).toEqual(
      ['2026-10-24T22', '2026-10-25T03', '2026-10-25T07', '2026-10-25T11', '2026-10-25T15', '2026-10-25T19', '2026-10-25T23'].map(
        (h) => `${h}:00:00.000Z`,
      ),
    );
    const cronTwin = parseCadence('0 */4 * * *', 'Europe/Berlin');
    expect(slotsBetween(cronTwin, '2026-10-24T22:00:00Z', '2026-10-25T23:00:01Z')).toEqual(slotsBetween(c, '2026-10-24T22:00:00Z', '2026-10-25T23:00:01Z'));
    // A daily cadence fires once on the 23h and on the 25h day.
    const daily = parseCadence('every 1d', 'Europe/London');
    expect(slotsBetween(daily, '2026-03-28T12:00:00Z', '2026-03-30T12:00:00Z')).toEqual(['2026-03-29T00:00:00.000Z', '2026-03-29T23:00:00.000Z']);
    expect(slotsBetween(daily, '2026-10-24T12:00:00Z', '2026-10-26T12:00:00Z')).toEqual(['2026-10-24T23:00:00.000Z', '2026-10-26T00:00:00.000Z']);
  });
});
