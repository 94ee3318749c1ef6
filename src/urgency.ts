/**
 * Which events are urgent (issue 16): a type's `urgent: true` makes all of
 * them, `urgent: <payload path>` those whose value there is set — `true`, a
 * non-zero number or a non-empty string. An urgent event sends its
 * recipient's outstanding events of the type at once, in one digest,
 * regardless of the cadence, the recipient's window or quiet hours (only
 * their `off` still suppresses). Pure: record() asks it to file the request,
 * the claim to time the recipient (runner/claim.ts).
 */
import type { EventTypeConfig } from './config/types.js';
import { pick } from './handlers/schema-path.js';

export function isUrgent(urgent: EventTypeConfig['urgent'], payload: unknown): boolean {
  if (urgent === true) return true;
  if (urgent == null) return false;
  const v = pick(payload, urgent); // own properties only: never a prototype's
  return v === true || (typeof v === 'number' && v !== 0) || (typeof v === 'string' && v !== '');
}
