/**
 * digest_events inserts: how an event is born (record(), recordMany()).
 * Times not given fall to the database clock: a producer has no injected
 * one, and an event's times are the producer's, not the scheduler's.
 */
import { dialectSql, type Executor, SQLITE_MAX_VARIABLES, sqlFor, type SyncExecutor } from './db.js';

export interface NewEvent {
  type: string;
  recipient: string;
  payload: string; // JSON text, already validated and serialised
  idempotencyKey?: string | null;
  occurredAt?: Date | null;
  availableAt?: Date | null;
}

const INSERT_COLUMNS = '(type, recipient, payload, idempotency_key, occurred_at, available_at)';
const valuesRow = (now: string) => `(?, ?, ?, ?, COALESCE(?, ${now}), COALESCE(?, ${now}))`;
const valuesOf = (e: NewEvent) => [
  e.type, e.recipient, e.payload, e.idempotencyKey ?? null, e.occurredAt ?? null, e.availableAt ?? null,
];
// Most events carry no key and no times: the column defaults fill those in,
// and half the columns means a statement half as long to send and parse.
const PLAIN_COLUMNS = '(type, recipient, payload)';
const isPlain = (e: NewEvent) => e.idempotencyKey == null && e.occurredAt == null && e.availableAt == null;

/**
 * Rows per multi-row INSERT: SQLite binds at most 32,766 variables per
 * statement (6 per row when times are given); callers split larger batches.
 */
export const EVENT_ROWS_PER_INSERT = Math.floor(SQLITE_MAX_VARIABLES / 6);

const sqliteKeyedInsert = (e: NewEvent): [string, unknown[]] => [
  `INSERT INTO digest_events ${INSERT_COLUMNS} VALUES ${valuesRow(dialectSql.sqlite.now)} ON CONFLICT (type, idempotency_key) DO NOTHING RETURNING id`,
  valuesOf(e)];

/**
 * Inserts one event; with an idempotency key already taken for this type it
 * inserts nothing and returns the existing id. The unique key decides, so
 * concurrent callers with one key all get the same id.
 */
export async function insertEvent(ex: Executor, e: NewEvent): Promise<number> {
  if (e.idempotencyKey == null) return (await insertEventRows(ex, [e]))[0]!;
  if (ex.dialect === 'mysql') {
    // LAST_INSERT_ID(id) on the duplicate makes insertId the existing row's id.
    const res = await ex.run(
      `INSERT INTO digest_events ${INSERT_COLUMNS} VALUES ${valuesRow(sqlFor(ex).now)} ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id)`,
      valuesOf(e));
    return res.insertId;
  }
  const rows = await ex.all<{ id: number }>(...sqliteKeyedInsert(e));
  if (rows[0]) return Number(rows[0].id);
  return (await selectEventIdByKey(ex, e.type, e.idempotencyKey))!;
}

/** insertEvent on a caller's synchronous SQLite transaction: both statements run before it returns. */
export function insertEventSync(sx: SyncExecutor, e: NewEvent): number {
  if (e.idempotencyKey == null) return insertEventRowsSync(sx, [e])[0]!;
  const rows = sx.all<{ id: number }>(...sqliteKeyedInsert(e));
  if (rows[0]) return Number(rows[0].id);
  return Number(sx.all<{ id: number }>(SELECT_ID_BY_KEY, [e.type, e.idempotencyKey])[0]!.id);
}

const eventRowsInsert = (now: string, rows: readonly NewEvent[]): [string, unknown[]] => {
  const plain = rows.every(isPlain);
  const row = plain ? '(?, ?, ?)' : valuesRow(now);
  return [
    `INSERT INTO digest_events ${plain ? PLAIN_COLUMNS : INSERT_COLUMNS} VALUES ${Array(rows.length).fill(row).join(', ')}`,
    plain ? rows.flatMap((e) => [e.type, e.recipient, e.payload]) : rows.flatMap(valuesOf)];
};

/** The ids a multi-row insert gave its rows, in order: consecutive, `step` apart. */
const idsFrom = (first: number, count: number, step: number) => Array.from({ length: count }, (_, k) => first + k * step);

/**
 * Multi-row insert of events WITHOUT idempotency keys (at most
 * EVENT_ROWS_PER_INSERT), one statement; returns their ids in row order. One
 * INSERT's auto-increment ids are consecutive (InnoDB's default lock mode
 * and SQLite alike), `auto_increment_increment` apart.
 */
export async function insertEventRows(ex: Executor, rows: readonly NewEvent[]): Promise<number[]> {
  const res = await ex.run(...eventRowsInsert(sqlFor(ex).now, rows));
  // SQLite reports the LAST id of a multi-row insert, MySQL the first.
  if (ex.dialect === 'sqlite') return idsFrom(res.insertId - rows.length + 1, rows.length, 1);
  return idsFrom(res.insertId, rows.length, rows.length > 1 ? await selectAutoIncrementStep(ex) : 1);
}

/** insertEventRows on a caller's synchronous SQLite transaction. */
export function insertEventRowsSync(sx: SyncExecutor, rows: readonly NewEvent[]): number[] {
  return idsFrom(sx.run(...eventRowsInsert(dialectSql.sqlite.now, rows)).insertId - rows.length + 1, rows.length, 1);
}

/**
 * Distance between consecutive auto-increment ids (not 1 on multi-primary
 * clusters). A server setting: read once per executor (the pool, or one
 * caller transaction) rather than per insert — not once per process, since a
 * process may record into more than one database.
 */
const autoIncrementSteps = new WeakMap<Executor, Promise<number>>();
function selectAutoIncrementStep(ex: Executor): Promise<number> {
  let step = autoIncrementSteps.get(ex);
  if (!step) {
    step = ex.all<{ step: number }>('SELECT @@auto_increment_increment AS step').then((rows) => Number(rows[0]?.step ?? 1));
    autoIncrementSteps.set(ex, step);
    // A failed read (connection lost) is not remembered: the next insert asks again.
    step.catch(() => autoIncrementSteps.delete(ex));
  }
  return step;
}

const SELECT_ID_BY_KEY = 'SELECT id FROM digest_events WHERE type = ? AND idempotency_key = ?';

export async function selectEventIdByKey(ex: Executor, type: string, key: string): Promise<number | undefined> {
  const rows = await ex.all<{ id: number }>(SELECT_ID_BY_KEY, [type, key]);
  return rows[0] ? Number(rows[0].id) : undefined;
}
