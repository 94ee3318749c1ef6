/** The digest_recipients row mapper: a profile to its column values and back. */
import { type Executor, toDate } from './db.js';
import type { RecipientProfile, StoredRecipientProfile, TypePreference } from '../types.js';

/** preferences comes back as JSON text on both engines (see eventColumns: mysql2 may parse a JSON column itself). */
export const recipientColumns = (ex: Executor) =>
  `recipient, time_zone AS timeZone, locale, quiet_start AS quietStart, quiet_end AS quietEnd,
   ${ex.dialect === 'mysql' ? 'CAST(preferences AS CHAR)' : 'preferences'} AS preferences, updated_at AS updatedAt`;

/** In the order of the INSERT's columns (store/recipients.ts). */
export const recipientValues = (recipient: string, p: RecipientProfile): unknown[] => [
  recipient, p.timeZone, p.locale, p.quietHours?.start ?? null, p.quietHours?.end ?? null, JSON.stringify(p.preferences),
];

export function toRecipient(r: Record<string, unknown>): StoredRecipientProfile {
  const text = (v: unknown) => (v == null ? null : String(v));
  const start = text(r.quietStart);
  const end = text(r.quietEnd);
  return {
    recipient: String(r.recipient),
    timeZone: text(r.timeZone),
    locale: text(r.locale),
    quietHours: start != null && end != null ? { start, end } : null,
    preferences: JSON.parse(String(r.preferences)) as Record<string, TypePreference>,
    updatedAt: toDate(r.updatedAt)!,
  };
}
