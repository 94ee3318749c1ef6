import type { Issue } from './errors.js';

/** Deeper than any real event; a limit keeps stringify and schema checks off the stack's edge. */
export const MAX_PAYLOAD_DEPTH = 64;

// With the `u` flag a surrogate PAIR is one code point; only a lone half is Cs.
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * A JS string with a lone surrogate has no UTF-8 form: SQLite stores both
 * `S\ud800` and `S\ud801` as the same replacement bytes (two recipients
 * merged), MySQL refuses it. So it is refused here, naming the field.
 */
export const isValidUnicode = (s: string) => !LONE_SURROGATE.test(s);

export const INVALID_UNICODE = 'must be valid Unicode (it contains a lone surrogate)';

/** Text keys (recipient, idempotency key) fit a varchar(191) key column on both engines. */
export const MAX_KEY_LENGTH = 191;

/** Why a recipient key cannot be stored, or undefined: the rule record() and recipient profiles share. */
export function recipientKeyProblem(recipient: string): string | undefined {
  if (recipient.trim().length === 0 || recipient.length > MAX_KEY_LENGTH) return `must be 1 to ${MAX_KEY_LENGTH} characters, not blank`;
  return isValidUnicode(recipient) ? undefined : INVALID_UNICODE;
}

/**
 * Walks a payload once, before anything else touches it: every string and
 * every key must be valid Unicode, and it may nest at most MAX_PAYLOAD_DEPTH
 * levels (a 10,000-deep payload would overflow JSON.stringify's stack).
 * Stops descending at the limit, so the walk itself stays shallow.
 */
export function payloadTextIssues(payload: unknown): Issue[] {
  const issues: Issue[] = [];
  const visit = (v: unknown, path: string, depth: number): void => {
    if (typeof v === 'string') {
      if (!isValidUnicode(v)) issues.push({ path, message: INVALID_UNICODE });
      return;
    }
    if (v === null || typeof v !== 'object') return;
    if (depth >= MAX_PAYLOAD_DEPTH) {
      issues.push({ path, message: `must nest at most ${MAX_PAYLOAD_DEPTH} levels deep` });
      return;
    }
    const entries = Array.isArray(v) ? v.map((x, i) => [String(i), x] as const) : Object.entries(v);
    for (const [k, x] of entries) {
      if (!isValidUnicode(k)) {
        issues.push({ path: `${path}.${k.replace(/\p{Cs}/gu, '\uFFFD')}`, message: `key ${INVALID_UNICODE}` });
        continue;
      }
      visit(x, `${path}.${k}`, depth + 1);
    }
  };
  visit(payload, 'payload', 0);
  return issues;
}
