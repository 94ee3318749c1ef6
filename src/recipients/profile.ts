/**
 * A recipient profile as given (library, `PUT /v1/recipients/:key`, `digest
 * recipient set`) checked once, at the edge, into the stored shape. Pure: the
 * event types it may name are passed in. Every problem is reported at once,
 * each naming its field and the rule (`timeZone: "Mars/Base" is not an IANA
 * time zone`), as record() reports a payload.
 */
import { z } from 'zod';
import { ValidationError, type Issue } from '../errors.js';
import { canonicalLocale, isZoneName } from '../locale.js';
import { recipientKeyProblem } from '../record-text.js';
import { FREQUENCIES, type RecipientProfile, type TypePreference, WALL_TIME, WEEKDAYS } from '../types.js';

/** What a caller gives: any part left out (or null) is not set, and the type's default applies. */
export interface RecipientProfileInput {
  timeZone?: string | null;
  locale?: string | null;
  quietHours?: { start: string; end: string } | null;
  preferences?: Record<string, TypePreference> | null;
}

const quoted = (v: unknown) => JSON.stringify(v);
const required = (what: string) => ({ error: (iss: { input?: unknown }) => (iss.input === undefined ? `is required${what}` : 'must be a string') });

const localTime = (what = '') => z.string(required(what))
  .refine((v) => WALL_TIME.test(v), { error: (iss) => `${quoted(iss.input)} is not a local time "HH:MM" (00:00 to 23:59)` });

const preference = z.strictObject({
  frequency: z.enum(FREQUENCIES, { error: `must be one of ${FREQUENCIES.join(', ')}` }),
  at: localTime().optional(),
  day: z.enum(WEEKDAYS, { error: `must be one of ${WEEKDAYS.join(', ')}` }).optional(),
}).superRefine((p, ctx) => {
  if (p.day != null && p.frequency !== 'weekly') ctx.addIssue({ code: 'custom', path: ['day'], message: 'is only allowed with frequency "weekly"' });
  if (p.at != null && p.frequency !== 'daily' && p.frequency !== 'weekly') {
    ctx.addIssue({ code: 'custom', path: ['at'], message: 'is only allowed with frequency "daily" or "weekly"' });
  }
});

/** The profile's schema; exported for the OpenAPI document (`PUT /v1/recipients/:key`), which shows it without the refinements. */
export const profileSchema = (knownTypes: readonly string[]) => z.strictObject({
  timeZone: z.string().refine(isZoneName, { error: (iss) => `${quoted(iss.input)} is not an IANA time zone` }).nullish(),
  locale: z.string().refine((v) => canonicalLocale(v) != null, { error: (iss) => `${quoted(iss.input)} is not a BCP 47 language tag` }).nullish(),
  // Both or neither: a window needs both ends. start after end wraps midnight.
  quietHours: z.strictObject({
    start: localTime(' (quiet hours need both start and end)'),
    end: localTime(' (quiet hours need both start and end)'),
  }).refine((q) => q.start !== q.end, { path: ['end'], error: 'must differ from start' }).nullish(),
  // The key's own check runs even when another type's preference is invalid: every problem at once.
  preferences: z.record(z.string().meta({ description: `A configured event type: ${knownTypes.join(', ') || 'none'}` })
    .refine((type) => knownTypes.includes(type), { error: (iss) => `unknown event type ${quoted(iss.input)} (known: ${knownTypes.join(', ') || 'none'})` }),
  preference).nullish(),
}, { error: (iss) => (iss.code === 'invalid_type' ? 'must be an object' : undefined) });

/** `preferences.Order.Created.at`; an unrecognised key becomes its own path. */
function toIssues(issues: readonly z.core.$ZodIssue[]): Issue[] {
  const pathOf = (path: readonly PropertyKey[]) => path.map(String).join('.');
  return issues.flatMap((i) => {
    if (i.code === 'unrecognized_keys') return i.keys.map((k) => ({ path: pathOf([...i.path, k]), message: 'is not a known field' }));
    // A record key's own issues (an unknown type) under the key's path.
    if (i.code === 'invalid_key') return i.issues.map((k) => ({ path: pathOf(i.path), message: k.message }));
    return [{ path: pathOf(i.path), message: i.message }];
  });
}

/**
 * Checks a recipient key and profile; returns the profile as stored
 * (unset parts null, the locale canonical: `en-us` → `en-US`). Throws one
 * ValidationError listing every problem. Time zones are kept as given.
 */
export function parseRecipientProfile(recipient: string, input: unknown, knownTypes: readonly string[]): RecipientProfile {
  const keyProblem = typeof recipient === 'string' ? recipientKeyProblem(recipient) : 'must be a string';
  const parsed = profileSchema(knownTypes).safeParse(input ?? {});
  const issues = [...(keyProblem ? [{ path: 'recipient', message: keyProblem }] : []), ...(parsed.success ? [] : toIssues(parsed.error.issues))];
  if (issues.length || !parsed.success) throw new ValidationError('recipient profile', issues);
  const p = parsed.data;
  const preferences = Object.fromEntries(Object.entries(p.preferences ?? {}).map(([type, pref]) => [type, {
    frequency: pref.frequency, ...(pref.at != null && { at: pref.at }), ...(pref.day != null && { day: pref.day }),
  }]));
  return {
    timeZone: p.timeZone ?? null,
    locale: p.locale == null ? null : canonicalLocale(p.locale)!,
    quietHours: p.quietHours ?? null,
    preferences,
  };
}
