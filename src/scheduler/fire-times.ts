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

export function describeSchedules(config: DigestConfig, now: Date, n = 3): ScheduleDescription[] {
  return Object.values(config.events).map((event) => ({
    type: event.type,
    cadence: event.cadence.text,
    timezone: event.timezone,
    next: nextSlots(event.cadence, now, n).map((slot) => DateTime.fromJSDate(slot, { zone: event.timezone }).toISO()!),
  }));
}
