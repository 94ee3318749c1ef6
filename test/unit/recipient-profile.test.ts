/** parseRecipientProfile (src/recipients/profile.ts): the rules a profile is checked against, without a database. */
import { describe, expect, it } from 'vitest';
import { ValidationError, type Issue } from '../../src/errors.js';
import { parseRecipientProfile } from '../../src/recipients/profile.js';

const TYPES = ['Order.Created', 'Purchase.Requested'];
const parse = (input: unknown, key = 'ann@shop.example') => parseRecipientProfile(key, input, TYPES);

/** The issues of the ValidationError `input` is refused with. */
function issuesOf(input: unknown, key?: string): Issue[] {
  try {
    parse(input, key);
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return [...(err as ValidationError).issues];
  }
  throw new Error('expected a ValidationError');
}

describe('recipient profile validation', () => {
  it('a full profile comes back in the stored shape, the locale canonical', () => {
    const stored = {
      timeZone: 'Europe/Berlin',
      locale: 'de-DE',
      quietHours: { start: '22:00', end: '07:00' },
      preferences: {
        'Purchase.Requested': { frequency: 'weekly', at: '09:00', day: 'mon' },
        'Order.Created': { frequency: 'off' },
      },
    };
    expect(parse({ ...stored, locale: 'de-de' })).toEqual(stored);
  });

  it('an empty profile (or nulls) sets nothing: every type keeps its defaults', () => {
    const empty = { timeZone: null, locale: null, quietHours: null, preferences: {} };
    expect(parse({})).toEqual(empty);
    expect(parse(undefined)).toEqual(empty);
    expect(parse({ timeZone: null, locale: null, quietHours: null, preferences: null })).toEqual(empty);
  });

  it('names the field and the rule: time zone, locale', () => {
    expect(issuesOf({ timeZone: 'Mars/Base' })).toEqual([{ path: 'timeZone', message: '"Mars/Base" is not an IANA time zone' }]);
    expect(issuesOf({ timeZone: '+03:00' })).toEqual([{ path: 'timeZone', message: '"+03:00" is not an IANA time zone' }]);
    expect(issuesOf({ locale: 'en_US' })).toEqual([{ path: 'locale', message: '"en_US" is not a BCP 47 language tag' }]);
    expect(issuesOf({ locale: 'x' })).toEqual([{ path: 'locale', message: '"x" is not a BCP 47 language tag' }]);
    expect(() => parse({ timeZone: 'Mars/Base' })).toThrow('recipient profile is invalid: timeZone: "Mars/Base" is not an IANA time zone');
  });

  it('quiet hours: both or neither, HH:MM from 00:00 to 23:59, a window may wrap midnight', () => {
    expect(parse({ quietHours: { start: '23:59', end: '00:00' } }).quietHours).toEqual({ start: '23:59', end: '00:00' });
    expect(issuesOf({ quietHours: { start: '22:00' } })).toEqual([{ path: 'quietHours.end', message: 'is required (quiet hours need both start and end)' }]);
    expect(issuesOf({ quietHours: { start: '24:00', end: '7:00' } })).toEqual([
      { path: 'quietHours.start', message: '"24:00" is not a local time "HH:MM" (00:00 to 23:59)' },
      { path: 'quietHours.end', message: '"7:00" is not a local time "HH:MM" (00:00 to 23:59)' },
    ]);
    expect(issuesOf({ quietHours: { start: '22:00', end: '22:00' } })).toEqual([{ path: 'quietHours.end', message: 'must differ from start' }]);
  });

  it('preferences: the frequency enum, `day` only with weekly, `at` only with daily or weekly', () => {
    expect(issuesOf({ preferences: { 'Order.Created': { frequency: 'hourly' } } })).toEqual([
      { path: 'preferences.Order.Created.frequency', message: 'must be one of immediate, daily, weekly, off' },
    ]);
    expect(issuesOf({ preferences: { 'Order.Created': { frequency: 'daily', day: 'mon' } } })).toEqual([
      { path: 'preferences.Order.Created.day', message: 'is only allowed with frequency "weekly"' },
    ]);
    expect(issuesOf({ preferences: { 'Order.Created': { frequency: 'off', at: '09:00' } } })).toEqual([
      { path: 'preferences.Order.Created.at', message: 'is only allowed with frequency "daily" or "weekly"' },
    ]);
    expect(issuesOf({ preferences: { 'Order.Created': { frequency: 'weekly', day: 'monday', at: '9am' } } })).toEqual([
      { path: 'preferences.Order.Created.at', message: '"9am" is not a local time "HH:MM" (00:00 to 23:59)' },
      { path: 'preferences.Order.Created.day', message: 'must be one of mon, tue, wed, thu, fri, sat, sun' },
    ]);
    expect(parse({ preferences: { 'Order.Created': { frequency: 'daily', at: '18:30' } } }).preferences)
      .toEqual({ 'Order.Created': { frequency: 'daily', at: '18:30' } });
  });

  it('a type in preferences must be a configured event type: the unknown one is named, beside other problems', () => {
    expect(issuesOf({ preferences: { 'Order.Shipped': { frequency: 'daily' } } })).toEqual([
      { path: 'preferences.Order.Shipped', message: 'unknown event type "Order.Shipped" (known: Order.Created, Purchase.Requested)' },
    ]);
    expect(issuesOf({ preferences: { 'Order.Shipped': { frequency: 'daily' }, 'Order.Created': { frequency: 'hourly' } } })).toEqual([
      { path: 'preferences.Order.Shipped', message: 'unknown event type "Order.Shipped" (known: Order.Created, Purchase.Requested)' },
      { path: 'preferences.Order.Created.frequency', message: 'must be one of immediate, daily, weekly, off' },
    ]);
  });

  it('unknown fields are refused (a typo is not silently ignored), every problem at once', () => {
    expect(issuesOf({ timezone: 'UTC', preferences: { 'Order.Created': { frequency: 'daily', time: '09:00' } } })).toEqual([
      { path: 'preferences.Order.Created.time', message: 'is not a known field' },
      { path: 'timezone', message: 'is not a known field' },
    ]);
    expect(issuesOf('UTC')).toEqual([{ path: '', message: 'must be an object' }]);
  });

  it('the recipient key follows record()\'s rule: 1 to 191 characters, not blank, valid Unicode', () => {
    expect(issuesOf({}, ' ')).toEqual([{ path: 'recipient', message: 'must be 1 to 191 characters, not blank' }]);
    expect(issuesOf({}, 'x'.repeat(192))).toEqual([{ path: 'recipient', message: 'must be 1 to 191 characters, not blank' }]);
    expect(issuesOf({ locale: 'x' }, 'S\ud800')).toEqual([
      { path: 'recipient', message: 'must be valid Unicode (it contains a lone surrogate)' },
      { path: 'locale', message: '"x" is not a BCP 47 language tag' },
    ]);
    expect(parse({}, 'a/b+c d@x').timeZone).toBeNull();
  });
});
