import { describe, expect, it } from 'vitest';
import { timingFor, windowOf, type TypeTiming } from '../../src/recipients/timing.js';
import type { RecipientProfile } from '../../src/types.js';

const T: TypeTiming = { type: 'Digest', deliverAt: '09:00' };
const profile = (p: Partial<RecipientProfile>): RecipientProfile => ({ timeZone: null, locale: null, quietHours: null, preferences: {}, ...p });
const at = (iso: string) => new Date(iso);

describe('windowOf', () => {
  it('takes the recipient\'s frequency first, then the type\'s window; immediate has none', () => {
    expect(windowOf(T, undefined)).toEqual({ at: '09:00' });
    expect(windowOf({ ...T, days: ['fri'] }, undefined)).toEqual({ at: '09:00', days: ['fri'] });
    expect(windowOf(T, { frequency: 'daily', at: '07:30' })).toEqual({ at: '07:30' });
    expect(windowOf({ type: 'X' }, { frequency: 'weekly' })).toEqual({ at: '09:00', days: ['mon'] });
    expect(windowOf(T, { frequency: 'immediate' })).toBeNull();
    expect(windowOf({ type: 'X' }, undefined)).toBeNull();
  });
});

describe('timingFor', () => {
  it('holds an event that arrived after the latest slot until the next one', () => {
    expect(timingFor(T, null, 'UTC', at('2027-01-05T10:00Z'), at('2027-01-05T10:00Z'))).toEqual({ act: 'hold', until: at('2027-01-06T09:00Z') });
  });

  it('sends what was waiting at the latest slot, naming the slot and where to go if it is taken', () => {
    expect(timingFor(T, null, 'UTC', at('2027-01-05T08:00Z'), at('2027-01-05T09:00:01Z')))
      .toEqual({ act: 'send', slot: at('2027-01-05T09:00Z'), ifTaken: at('2027-01-06T09:00Z') });
  });

  it('times the window in the zone given (the recipient\'s, resolved as for rendering)', () => {
    const berlin = profile({ timeZone: 'Europe/Berlin' });
    expect(timingFor(T, berlin, 'Europe/Berlin', at('2027-07-01T12:00Z'), at('2027-07-01T12:00Z'))).toEqual({ act: 'hold', until: at('2027-07-02T07:00Z') });
  });

  it('quiet hours move a due send (and a slot inside them) to their end; urgent ignores them', () => {
    const quiet = profile({ quietHours: { start: '22:00', end: '07:00' } });
    const plain: TypeTiming = { type: 'Digest' };
    expect(timingFor(plain, quiet, 'UTC', at('2027-01-05T23:00Z'), at('2027-01-05T23:00Z'))).toEqual({ act: 'hold', until: at('2027-01-06T07:00Z') });
    // An urgent event among the recipient's (src/urgency.ts): now, past quiet hours and the window alike; `off` still wins.
    expect(timingFor(plain, quiet, 'UTC', at('2027-01-05T23:00Z'), at('2027-01-05T23:00Z'), false, true)).toEqual({ act: 'send', slot: null });
    expect(timingFor(T, quiet, 'UTC', at('2027-01-05T12:00Z'), at('2027-01-05T12:00Z'), false, true)).toEqual({ act: 'send', slot: null });
    const off = profile({ preferences: { Digest: { frequency: 'off' } } });
    expect(timingFor(plain, off, 'UTC', at('2027-01-05T12:00Z'), at('2027-01-05T12:00Z'), false, true)).toEqual({ act: 'suppress' });
    const early: TypeTiming = { ...T, deliverAt: '06:00' };
    expect(timingFor(early, quiet, 'UTC', at('2027-01-05T12:00Z'), at('2027-01-05T12:00Z'))).toEqual({ act: 'hold', until: at('2027-01-06T07:00Z') });
  });

  it('off suppresses, even on a manual run; a manual run otherwise sends now', () => {
    const off = profile({ preferences: { Digest: { frequency: 'off' } } });
    expect(timingFor(T, off, 'UTC', at('2027-01-05T10:00Z'), at('2027-01-05T10:00Z'), true)).toEqual({ act: 'suppress' });
    expect(timingFor(T, null, 'UTC', at('2027-01-05T10:00Z'), at('2027-01-05T10:00Z'), true)).toEqual({ act: 'send', slot: null });
  });
});
