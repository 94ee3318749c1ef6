/**
 * One rule for event times (`occurredAt`, `availableAt`) on every surface —
 * HTTP and `digest record` alike: ISO 8601 with `Z` or an explicit offset.
 * A time without one would be read in whatever zone the host runs in.
 */
import { z } from 'zod';
import { ValidationError } from './errors.js';

export const eventTimeSchema = z.iso.datetime({ offset: true }).meta({ description: 'ISO 8601 with Z or an offset' });

/** Parses an event time given as text (the CLI); `field` names it in the error. */
export function parseEventTime(field: string, raw: string): Date {
  if (!eventTimeSchema.safeParse(raw).success) {
    throw new ValidationError(field, [{ path: field, message: `must be an ISO 8601 time with Z or an offset (2026-11-30T00:00:00Z), got "${raw}"` }]);
  }
  return new Date(raw);
}
