import { DigestError, ValidationError, type Issue } from './errors.js';
import type { Registry } from './handlers/registry.js';
import { validatePayload } from './handlers/validate.js';
import { callerExecutor, inSavepointSync } from './store/caller-tx.js';
import { chunks, type Db, type Executor, type SyncExecutor } from './store/db.js';
import { INVALID_UNICODE, isValidUnicode, MAX_KEY_LENGTH as MAX_KEY, payloadTextIssues, recipientKeyProblem } from './record-text.js';
import {
  EVENT_ROWS_PER_INSERT, insertEvent, insertEventRows, insertEventRowsSync, insertEventSync, type NewEvent,
} from './store/event-inserts.js';
import { type FlushRequest, upsertFlushes, upsertFlushesSync } from './store/flushes.js';
import type { EventTypeConfig } from './config/types.js';
import { isUrgent } from './urgency.js';

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
/** A row to insert, and whether it is urgent (its recipient's digest is then asked for now). */
type Prepared = NewEvent & { urgent: boolean };

/** A type's `urgent` setting, where the schedules file is known (src/urgency.ts). */
export type UrgentOf = (type: string) => EventTypeConfig['urgent'];

function prepare(registry: Registry, input: EventInput, maxBytes: number, urgentOf: UrgentOf): Prepared {
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
  return {
    type: input.type, recipient, payload: json, idempotencyKey: key ?? null, occurredAt: input.occurredAt, availableAt: input.availableAt,
    urgent: isUrgent(urgentOf(input.type), payload),
  };
}

/** The flush requests of the urgent rows among `ready`, once their ids are known. */
const flushesOf = (ready: readonly Prepared[], ids: readonly number[]): FlushRequest[] =>
  ready.flatMap((r, i) => (r.urgent ? [{ type: r.type, recipient: r.recipient, eventId: ids[i]! }] : []));


export interface Recorder {
  record(type: string, payload: unknown, opts?: RecordOptions): Promise<number>;
  recordMany(events: readonly EventInput[], opts?: { tx?: unknown }): Promise<number[]>;
}

/**
 * `urgentOf`: an urgent event files its flush request (store/flushes.ts) in
 * the same transaction as the event, so the scheduler's next window pass
 * sends the recipient's digest. Without it (a client given handlers but no
 * schedules file) an urgent event still goes out whole, at its type's next run.
 */
export function createRecorder(
  db: Db, registry: Registry, maxPayloadBytes = DEFAULT_MAX_PAYLOAD_BYTES, urgentOf: UrgentOf = () => undefined,
): Recorder {
  const on = (tx: unknown): Executor => (tx == null ? db : callerExecutor(tx, db.dialect));
  const plainOf = (ready: readonly Prepared[]) => ready.map((r, i) => [r, i] as const).filter(([r]) => r.idempotencyKey == null);
  const write = async (ex: Executor, ready: readonly Prepared[]) => {
    const ids = new Array<number>(ready.length);
    // Keyed events go one by one (each may already exist); the rest in
    // multi-row INSERTs, one per chunk.
    for (const [i, r] of ready.entries()) if (r.idempotencyKey != null) ids[i] = await insertEvent(ex, r);
    for (const part of chunks(plainOf(ready), EVENT_ROWS_PER_INSERT)) {
      const got = await insertEventRows(ex, part.map(([r]) => r));
      part.forEach(([, i], k) => { ids[i] = got[k]!; });
    }
    const flushes = flushesOf(ready, ids);
    if (flushes.length) await upsertFlushes(ex, flushes);
    return ids;
  };
  // A caller's synchronous SQLite transaction: every statement runs before
  // we return, since the caller may commit or roll back right after the call.
  const writeSync = (sx: SyncExecutor, ready: readonly Prepared[]) => inSavepointSync(sx, () => {
    const ids = new Array<number>(ready.length);
    for (const [i, r] of ready.entries()) if (r.idempotencyKey != null) ids[i] = insertEventSync(sx, r);
    for (const part of chunks(plainOf(ready), EVENT_ROWS_PER_INSERT)) {
      const got = insertEventRowsSync(sx, part.map(([r]) => r));
      part.forEach(([, i], k) => { ids[i] = got[k]!; });
    }
    const flushes = flushesOf(ready, ids);
    if (flushes.length) upsertFlushesSync(sx, flushes);
    return ids;
  });
  const writeRows = (ready: readonly Prepared[], tx: unknown): Promise<number[]> => {
    if (tx != null) {
      const ex = on(tx);
      return ex.sync ? Promise.resolve(writeSync(ex.sync, ready)) : write(ex, ready);
    }
    // One multi-row INSERT is atomic by itself: no transaction needed
    // unless keyed rows, urgent ones (their flush requests) or a large batch
    // make it several statements.
    const single = ready.length <= EVENT_ROWS_PER_INSERT && ready.every((r) => r.idempotencyKey == null && !r.urgent);
    return single ? write(db, ready) : db.transaction((t) => write(t, ready));
  };
  return {
    async record(type, payload, opts = {}) {
      const { tx, ...rest } = opts;
      const row = prepare(registry, { type, payload, ...rest }, maxPayloadBytes, urgentOf);
      // An urgent event and its flush request land together (in the caller's transaction, or one of ours).
      if (row.urgent) return (await writeRows([row], tx))[0]!;
      const ex = on(tx);
      return ex.sync ? insertEventSync(ex.sync, row) : insertEvent(ex, row);
    },
    async recordMany(events, opts = {}) {
      // All or nothing: every event is validated before any is written.
      const issues: Issue[] = [];
      const rows = events.map((e, i) => {
        try {
          return prepare(registry, e, maxPayloadBytes, urgentOf);
        } catch (err) {
          if (!(err instanceof DigestError)) throw err;
          const inner = err instanceof ValidationError ? err.issues : [{ path: 'type', message: err.message }];
          issues.push(...inner.map((x) => ({ path: `[${i}].${x.path}`, message: x.message })));
          return undefined;
        }
      });
      if (issues.length) throw new ValidationError('events', issues);
      const ready = rows as Prepared[];
      if (ready.length === 0) return [];
      return writeRows(ready, opts.tx);
    },
  };
}
