import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { date } from '../../src/render/helpers.js';
import { formatUtc } from '../../src/render/utc-format.js';

const luxon = (d: Date, f: string) => DateTime.fromJSDate(d).setZone('UTC').toFormat(f);

describe('formatUtc (the date helper fast path)', () => {
  const dates = [
    new Date('2026-01-02T03:04:05.006Z'), new Date('1999-12-31T23:59:59.999Z'), new Date('2024-02-29T00:00:00.000Z'),
    new Date('0042-07-09T10:20:30.400Z'), new Date(0),
  ];
  const formats = ["yyyy-LL-dd HH:mm 'UTC'", 'yyyy-LL-dd HH:mm ZZZZ', 'yyyy-LL-dd HH:mm', 'dd.MM.yyyy H:mm:ss.SSS', 'd/M/yyyy', "'at' HH'h'mm", 'L-M-d H:m:s', 'yyyyLLdd', "HH 'o''clock'"];

  it('formats exactly as luxon does', () => {
    for (const d of dates) for (const f of formats) expect([f, formatUtc(d, f)]).toEqual([f, luxon(d, f)]);
  });

  it('formats as luxon does in languages that write Latin digits, and leaves the others to luxon', () => {
    const inLocale = (d: Date, f: string, l: string) => DateTime.fromJSDate(d).setZone('UTC').setLocale(l).toFormat(f);
    for (const l of ['de', 'fr-CA', 'ja', 'he']) {
      for (const d of dates) for (const f of formats) expect([l, f, formatUtc(d, f, l)]).toEqual([l, f, inLocale(d, f, l)]);
    }
    expect(formatUtc(dates[0]!, 'yyyy', 'ar-EG')).toBeNull();
    expect(inLocale(dates[0]!, 'yyyy', 'ar-EG')).not.toBe('2026'); // why: Arabic-Indic digits
  });

  it('leaves anything else to luxon (returns null): names, weekdays, offsets, escaped or unterminated quotes, bad dates', () => {
    const d = dates[0]!;
    for (const f of ['LLL d, yyyy', 'EEE HH:mm', 'HH:mm ZZ', "HH ''", "HH 'open", 'yy-LL-dd', 'hh:mm a']) expect([f, formatUtc(d, f)]).toEqual([f, null]);
    expect(formatUtc(new Date(Number.NaN), 'yyyy')).toBeNull();
  });

  it('the helper output is unchanged with and without the fast path', () => {
    const options = { hash: {}, name: 'date' };
    const d = dates[0]!;
    expect(date(d, 'LLL d, yyyy', options)).toBe('Jan 2, 2026'); // luxon path
    expect(date(d, 'yyyy-LL-dd HH:mm ZZZZ', options)).toBe('2026-01-02 03:04 UTC'); // fast path
    expect(date(d, 'HH:mm', { hash: { zone: 'Europe/Berlin' }, name: 'date' })).toBe('04:04'); // zone: luxon path
  });
});
