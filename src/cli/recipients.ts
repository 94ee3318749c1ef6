/**
 * `digest recipient …`: the options of `set` into a profile, and profiles
 * into text. The profile's own rules (zones, times, known types) are checked
 * by setRecipient, which names the field; here only the option syntax.
 */
import { DigestError } from '../errors.js';
import type { RecipientBook } from '../recipients/book.js';
import type { RecipientProfileInput } from '../recipients/profile.js';
import type { StoredRecipientProfile, TypePreference } from '../types.js';
import { table } from './format.js';

export interface SetOptions {
  timeZone?: string;
  locale?: string;
  quiet?: string;
  pref?: string[];
}

/** `Purchase.Requested=weekly:mon@09:00`, `Order.Created=off`: TYPE=FREQUENCY[:DAY][@HH:MM]. */
const PREF = /^(?<type>.+)=(?<frequency>[^:@]*)(?::(?<day>[^@]*))?(?:@(?<at>.*))?$/;

export const PREF_SYNTAX = 'TYPE=FREQUENCY[:DAY][@HH:MM]';

function parsePref(text: string): [string, TypePreference] {
  const m = PREF.exec(text)?.groups;
  if (!m) throw new DigestError('USAGE', `--pref must be ${PREF_SYNTAX} (e.g. Purchase.Requested=weekly:mon@09:00), got "${text}"`);
  // Checked as given by the profile rules: `hourly` is refused there, naming preferences.<type>.frequency.
  const pref = { frequency: m.frequency, ...(m.day != null && { day: m.day }), ...(m.at != null && { at: m.at }) } as TypePreference;
  return [m.type!, pref];
}

function parseQuiet(text: string): { start: string; end: string } {
  const parts = text.split('-');
  if (parts.length !== 2) throw new DigestError('USAGE', `--quiet must be START-END in local time (e.g. 22:00-07:00), got "${text}"`);
  return { start: parts[0]!, end: parts[1]! };
}

/** The profile `set` stores: what the options give, nothing else (set replaces the whole profile). */
export function profileFromOptions(o: SetOptions): RecipientProfileInput {
  const preferences: Record<string, TypePreference> = {};
  for (const text of o.pref ?? []) {
    const [type, pref] = parsePref(text);
    if (type in preferences) throw new DigestError('USAGE', `--pref given twice for "${type}"`);
    preferences[type] = pref;
  }
  return {
    timeZone: o.timeZone ?? null,
    locale: o.locale ?? null,
    quietHours: o.quiet == null ? null : parseQuiet(o.quiet),
    preferences,
  };
}

const LIST_PAGE = 500;

/** Every profile, page by page: any number of them without one huge statement. */
export async function allRecipients(book: Pick<RecipientBook, 'listRecipients'>): Promise<StoredRecipientProfile[]> {
  const all: StoredRecipientProfile[] = [];
  let page: StoredRecipientProfile[];
  do {
    page = await book.listRecipients({ after: all.at(-1)?.recipient, limit: LIST_PAGE });
    all.push(...page);
  } while (page.length === LIST_PAGE);
  return all;
}

/** The inverse of --pref: `weekly:mon@09:00`. */
const prefText = (p: TypePreference) => `${p.frequency}${p.day ? `:${p.day}` : ''}${p.at ? `@${p.at}` : ''}`;
const quietText = (p: StoredRecipientProfile) => (p.quietHours ? `${p.quietHours.start}-${p.quietHours.end}` : null);

export function formatRecipient(p: StoredRecipientProfile): string {
  const head = table([
    { field: 'recipient', value: p.recipient },
    { field: 'time zone', value: p.timeZone ?? '- (type default)' },
    { field: 'locale', value: p.locale ?? '- (type default)' },
    { field: 'quiet hours', value: quietText(p) ?? '- (none)' },
    { field: 'updated', value: p.updatedAt },
  ]);
  const prefs = Object.entries(p.preferences);
  if (prefs.length === 0) return `${head}\nno per-type preferences: every type uses its defaults`;
  return `${head}\n\n${table(prefs.map(([type, pref]) => ({ type, frequency: pref.frequency, day: pref.day, at: pref.at })))}`;
}

export function formatRecipients(list: readonly StoredRecipientProfile[]): string {
  if (list.length === 0) return 'no recipient profiles';
  return table(list.map((p) => ({
    recipient: p.recipient,
    'time zone': p.timeZone,
    locale: p.locale,
    quiet: quietText(p),
    preferences: Object.entries(p.preferences).map(([type, pref]) => `${type}=${prefText(pref)}`).join(', ') || null,
    updated: p.updatedAt,
  })));
}
