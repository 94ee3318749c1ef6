import { DigestError, ValidationError, type Issue } from './errors.js';
import type { Registry } from './handlers/registry.js';
import { validatePayload } from './handlers/validate.js';
import { callerExecutor, inSavepointSync } from './store/caller-tx.js';
import { chunks, type Db, type Executor, type SyncExecutor } from './store/db.js';
import { INVALID_UNICODE, isValidUnicode, MAX_KEY_LENGTH as MAX_KEY, payloadTextIssues, recipientKeyProblem } from './record-text.js';
import {
  EVENT_ROWS_PER_INSERT, insertEvent, insertEventRows, insertEventRowsSync, insertEventSync, type NewEvent,
} from './store/event-inserts.js';

export interface RecordOptions {
  /** The caller's open transaction: a mysql2 / better-sqlite3 connection or a drizzle transaction. */
  tx?: unknown;
  /** The same key for the same type returns the same event id, and inserts nothing. */
  idempotencyKey?: string;
  occurredAt?: Date;
  /** Not processed before this time (delayed events). */
  availableAt?: Date;
}

export interface EventInput extends Omit<RecordOptions, 'tx'> {
  type: string;
  payload: unknown;
}

export const DEFAULT_MAX_PAYLOAD_BYTES = 64 * 1024;

/**
 * Validation at the edge: nothing invalid reaches the table through record().
 * The payload stored is the one the type's schema outputs (zod strips keys
 * it does not declare, unless the schema passes them through), so a field
 * the type does not know is never stored or shown.
 */
function prepare(registry: Registry, input: EventInput, maxBytes: number): NewEvent {
  if (typeof input.type === 'string' && !isValidUnicode(input.type)) throw new ValidationError('event', [{ path: 'type', message: INVALID_UNICODE }]);
  const handler = registry.require(input.type);
  const text = payloadTextIssues(input.payload);
  if (text.length) throw new ValidationError(`${input.type} event`, text);
  const payload = validatePayload(handler, input.payload);
  const issues: Issue[] = [];
  const json = JSON.stringify(payload);
  if (Buffer.byteLength(json) > maxBytes) issues.push({ path: 'payload', message: `must be at most ${maxBytes} bytes of JSON` });
  const recipient = String(handler.recipient(payload) ?? '');
  const recipientProblem = recipientKeyProblem(recipient);
  if (recipientProblem) issues.push({ path: 'recipient', message: recipientProblem });
  const key = input.idempotencyKey;
  if (key != null && (key.length === 0 || key.length > MAX_KEY)) issues.push({ path: 'idempotencyKey', message: `must be 1 to ${MAX_KEY} characters` });
  else if (key != null && !isValidUnicode(key)) issues.push({ path: 'idempotencyKey', message: INVALID_UNICODE });
  for (const f of ['occurredAt', 'availableAt'] as const) {
    const v = input[f];
    if (v != null && (!(v instanceof Date) || Number.isNaN(v.getTime()))) issues.push({ path: f, message: 'must be a valid Date' });
  }
  if (issues.length) throw new ValidationError(`${input.type} event`, issues);
  return { type: input.type, recipient, payload: json, idempotencyKey: key ?? null, occurredAt: input.occurredAt, availableAt: input.availableAt };
}

export interface Recorder {
  record(type: string, payload: unknown, opts?: RecordOptions): Promise<number>;
  recordMany(events: readonly EventInput[], opts?: { tx?: unknown }): Promise<number[]>;
}

export function createRecorder(db: Db, registry: Registry, maxPayloadBytes = DEFAULT_MAX_PAYLOAD_BYTES): Recorder {
  const on = (tx: unknown): Executor => (tx == null ? db : callerExecutor(tx, db.dialect));
  const plainOf = (ready: readonly NewEvent[]) => ready.map((r, i) => [r, i] as const).filter(([r]) => r.idempotencyKey == null);
  const write = async (ex: Executor, ready: readonly NewEvent[]) => {
    const ids = new Array<number>(ready.length);
    // Keyed events go one by one (each may already exist); the rest in
    // multi-row INSERTs, one per chunk.
    for (const [i, r] of ready.entries()) if (r.idempotencyKey != null) ids[i] = await insertEvent(ex, r);
    for (const part of chunks(plainOf(ready), EVENT_ROWS_PER_INSERT)) {
      const got = await insertEventRows(ex, part.map(([r]) => r));
      part.forEach(([, i], k) => { ids[i] = got[k]!; });
    }
    return ids;
  };
  // A caller's synchronous SQLite transaction: every statement runs before
  // we return, since the caller may commit or roll back right after the call.
  const writeSync = (sx: SyncExecutor, ready: readonly NewEvent[]) => inSavepointSync(sx, () => {
    const ids = new Array<number>(ready.length);
    for (const [i, r] of ready.entries()) if (r.idempotencyKey != null) ids[i] = insertEventSync(sx, r);
    for (const part of chunks(plainOf(ready), EVENT_ROWS_PER_INSERT)) {
      const got = insertEventRowsSync(sx, part.map(([r]) => r));
      part.forEach(([, i], k) => { ids[i] = got[k]!; });
    }
    return ids;
  });
  return {
    async record(type, payload, opts = {}) {
      const { tx, ...rest } = opts;
      const row = prepare(registry, { type, payload, ...rest }, maxPayloadBytes);
      const ex = on(tx);
      return ex.sync ? insertEventSync(ex.sync, row) : insertEvent(ex, row);
    },
    async recordMany(events, opts = {}) {
      // All or nothing: every event is validated before any is written.
      const issues: Issue[] = [];
      const rows = events.map((e, i) => {
        try {
          return prepare(registry, e, maxPayloadBytes);
        } catch (err) {
          if (!(err instanceof DigestError)) throw err;
          const inner = err instanceof ValidationError ? err.issues : [{ path: 'type', message: err.message }];
          issues.push(...inner.map((x) => ({ path: `[${i}].${x.path}`, message: x.message })));
          return undefined;
        }
      });
      if (issues.length) throw new ValidationError('events', issues);
      const ready = rows as NewEvent[];
      if (ready.length === 0) return [];
      if (opts.tx != null) {
        const ex = on(opts.tx);
        return ex.sync ? writeSync(ex.sync, ready) : write(ex, ready);
      }
      // One multi-row INSERT is atomic by itself: no transaction needed
      // unless keyed rows or a large batch make it several statements.
      const single = ready.length <= EVENT_ROWS_PER_INSERT && ready.every((r) => r.idempotencyKey == null);
      return single ? write(db, ready) : db.transaction((tx) => write(tx, ready));
    },
  };
}
