/**
 * Decoding a stored event's payload and recipient without ever throwing: a
 * row a direct-SQL producer wrote badly (invalid JSON on an engine that let
 * it in, a payload that is not a JSON object, a blank recipient) must fail
 * its own delivery, not the claim that read it with every other row.
 */
export interface DecodedPayload {
  /** The parsed object; for an undecodable row, what could be read (the raw text, or the non-object value). */
  payload: unknown;
  /** Why this row can never be rendered; absent when it can. */
  problem?: string;
}

export function decodePayload(raw: unknown): DecodedPayload {
  let value = raw;
  // The store selects the payload as text on both engines (see events.ts).
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch (err) {
      return { payload: raw, problem: `payload is not valid JSON (${(err as Error).message})` };
    }
  }
  if (value === null || value === undefined) return { payload: null, problem: 'payload is NULL' };
  if (typeof value !== 'object' || Array.isArray(value)) {
    return { payload: value, problem: `payload is not a JSON object (it is ${Array.isArray(value) ? 'an array' : typeof value})` };
  }
  return { payload: value };
}

/** record() refuses blank recipients; a direct-SQL row may still carry one. */
export const recipientProblem = (recipient: unknown): string | undefined =>
  typeof recipient !== 'string' || recipient.trim() === '' ? 'recipient is empty' : undefined;
