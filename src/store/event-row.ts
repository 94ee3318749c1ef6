/**
 * The digest_events row mapper: its columns and its decoding. A stored
 * event's payload and recipient are decoded without ever throwing: a row a
 * direct-SQL producer wrote badly (invalid JSON on an engine that let
 * it in, a payload that is not a JSON object, a blank recipient) must fail
 * its own delivery, not the claim that read it with every other row.
 */
import { type Executor, toDate } from './db.js';
import type { StoredEvent } from '../types.js';

export interface DecodedPayload {
  /** The parsed object; for an undecodable row, what could be read (the raw text, or the non-object value). */
  payload: unknown;
  /** Why this row can never be rendered; absent when it can. */
  problem?: string;
}

export function decodePayload(raw: unknown): DecodedPayload {
  let value = raw;
  // The store selects the payload as text on both engines (eventColumns below).
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

/**
 * The payload comes back as its JSON text on both engines: mysql2 parses a
 * JSON column itself (when the server marks it JSON), and a parsed string
 * cannot be told from text to parse. As text, decodePayload decodes it alike.
 */
export const eventColumns = (ex: Executor) =>
  `id, recipient, ${ex.dialect === 'mysql' ? 'CAST(payload AS CHAR)' : 'payload'} AS payload, occurred_at AS occurredAt`;

/** Never throws: one bad row must not fail the statement that read it with others. */
export function toEvent(r: StoredEvent): StoredEvent {
  const { payload, problem } = decodePayload(r.payload);
  const why = recipientProblem(r.recipient) ?? problem;
  const e: StoredEvent = { id: Number(r.id), recipient: String(r.recipient ?? ''), payload, occurredAt: toDate(r.occurredAt)! };
  if (why) e.problem = why;
  return e;
}
