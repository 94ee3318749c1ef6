/**
 * The next fire times of every schedule, for `digest check`: ops read them
 * in the schedule's own zone (with its offset) to see DST days come out right.
 */
import { DateTime } from 'luxon';
import type { DigestConfig } from '../config/types.js';
import { nextSlots } from '../config/slots.js';

export interface ScheduleDescription {
  type: string;
  cadence: string;
  timezone: string;
  /** ISO instants with the zone's offset, e.g. 2026-11-21T16:00:00.000+01:00; empty for immediate. */
  next: string[];
}

/** `immediate, deliverAt 09:00 (mon,fri) recipient-local`: a window type claims on its cadence and sends in each recipient's own window. */
const cadenceText = (event: DigestConfig['events'][string]) => (event.deliverAt
  ? `${event.cadence.text}, deliverAt ${event.deliverAt}${event.days ? ` (${event.days.join(',')})` : ''} recipient-local`
  : event.cadence.text);

export function describeSchedules(config: DigestConfig, now: Date, n = 3): ScheduleDescription[] {
  return Object.values(config.events).map((event) => ({
    type: event.type,
    cadence: cadenceText(event),
    timezone: event.timezone,
    next: nextSlots(event.cadence, now, n).map((slot) => DateTime.fromJSDate(slot, { zone: event.timezone }).toISO()!),
  }));
}
