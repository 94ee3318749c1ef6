/**
 * The store's executor seam. Every statement is a named function in a
 * src/store module of its table's role (event-claims.ts, delivery-marks.ts,
 * read-model.ts, …) taking an Executor first, so the same function runs on
 * the pool, inside our own transaction, or inside the caller's transaction.
 */
import type { ConflictRetried } from './conflict-retry.js';

export type Dialect = 'mysql' | 'sqlite';

export type Row = Record<string, unknown>;

export interface RunResult {
  affectedRows: number;
  insertId: number;
}

export interface Executor {
  readonly dialect: Dialect;
  all<T = Row>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  run(sql: string, params?: readonly unknown[]): Promise<RunResult>;
  /**
   * Present on a caller's synchronous SQLite transaction (better-sqlite3,
   * drizzle better-sqlite3): statements that must all land inside it run
   * here, with no await between them, since the caller may COMMIT or ROLLBACK
   * as soon as our call returns its promise.
   */
  readonly sync?: SyncExecutor;
}

export interface SyncExecutor {
  all<T = Row>(sql: string, params?: readonly unknown[]): T[];
  run(sql: string, params?: readonly unknown[]): RunResult;
}

export interface Db extends Executor {
  /**
   * One short transaction (READ COMMITTED on MySQL); run again when it loses
   * a race (deadlock, lock wait, Galera certification: conflict-retry.ts), so
   * `fn` must only touch the database. The Db's own statements outside a
   * transaction are retried the same way.
   */
  transaction<T>(fn: (tx: Executor) => Promise<T>): Promise<T>;
  /** Subscribes to conflicts retried (debug-level contention); returns the unsubscribe function. */
  onConflict(fn: (c: ConflictRetried) => void): () => void;
  /** Applies pending migrations. */
  migrate(): Promise<void>;
  /** Number of shipped migrations not yet applied (0 = up to date). */
  pendingMigrations(): Promise<number>;
  close(): Promise<void>;
}

/** SQL fragments that differ between engines; values are always parameters. */
export const dialectSql = {
  mysql: {
    now: 'UTC_TIMESTAMP(3)',
    plusMs: (expr: string) => `DATE_ADD(${expr}, INTERVAL ? * 1000 MICROSECOND)`,
    skipLocked: ' FOR UPDATE SKIP LOCKED',
    // Waits for the lock: rows we hold the lease of, locked before a batch write decides on them.
    forUpdate: ' FOR UPDATE',
    // Point lookups on the primary key lock exactly the rows asked for.
    primaryIndex: ' FORCE INDEX (PRIMARY)',
    // The due-time index: the planner takes it for a large table (EXPLAIN:
    // range on digest_events_held), but on a small one it may walk the claim
    // index instead (seen in the test database); named, so it always ranges.
    heldIndex: ' FORCE INDEX (digest_events_held)',
    concat: (...parts: string[]) => `CONCAT(${parts.join(', ')})`,
  },
  sqlite: {
    now: "strftime('%Y-%m-%d %H:%M:%f','now')",
    plusMs: (expr: string) => `strftime('%Y-%m-%d %H:%M:%f', ${expr}, '+' || (? / 1000.0) || ' seconds')`,
    // SQLite has no row locks: the claim runs under BEGIN IMMEDIATE instead.
    skipLocked: '',
    forUpdate: '',
    // Lookups by id must go by rowid: without ANALYZE statistics (and nobody
    // runs ANALYZE on an embedded database) SQLite prefers the claim index
    // for `id IN (…) AND type = ? AND delivery_id IS NULL` and scans every
    // outstanding event of the type per page (a 200k drain: 32k → 15k/s).
    // NOT INDEXED leaves rowid lookups as the only way.
    primaryIndex: ' NOT INDEXED',
    // Without statistics SQLite answers `SELECT DISTINCT type … WHERE
    // held_until <= ?` by scanning the whole claim index (type first, so no
    // sort for DISTINCT): every event ever kept, every second, in the window
    // pass (100k held events: 6 ms idle; 200k events: 19 ms vs 0.006 ms).
    heldIndex: ' INDEXED BY digest_events_held',
    concat: (...parts: string[]) => parts.join(' || '),
  },
} as const;

export const sqlFor = (ex: Executor) => dialectSql[ex.dialect];

/**
 * "Now" in a statement: the injected time when a caller passes one, else the
 * database clock (River's `coalesce(@now, now())`). Production binds null,
 * so every host compares leases and due times against one clock; tests pass
 * a Date and move it instead of sleeping. Use `nowSql(ex)` where the SQL says
 * now and put `nowParam(now)` at the matching place in the parameters.
 */
const NOW_SQL = {
  mysql: `COALESCE(CAST(? AS DATETIME(3)), ${dialectSql.mysql.now})`,
  sqlite: `COALESCE(?, ${dialectSql.sqlite.now})`,
} as const;

export const nowSql = (ex: Executor | Dialect) => NOW_SQL[typeof ex === 'string' ? ex : ex.dialect];

/** The bound value for one nowSql(): the time as the schema stores it on both engines, or null for the database clock. */
export const nowParam = (now?: Date | null): string | null => (now ? dbTime(now) : null);

/** A Date as both schemas store times: UTC text 'YYYY-MM-DD HH:MM:SS.SSS' (a DATETIME(3) literal on MySQL). */
export const dbTime = (d: Date): string => d.toISOString().replace('T', ' ').replace('Z', '');

/** A stored time back as a Date: SQLite returns its UTC text, MySQL (timezone 'Z') a Date. */
export const toDate = (v: unknown): Date | null =>
  v == null ? null : v instanceof Date ? v : new Date(String(v).replace(' ', 'T') + (String(v).endsWith('Z') ? '' : 'Z'));

/** `?, ?, ?` for an IN list. */
export const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(', ');

/**
 * Splits a long list for IN lists and multi-row inserts: SQLite allows at
 * most 32,766 bound variables per statement, MySQL a max_allowed_packet.
 */
export const SQLITE_MAX_VARIABLES = 32_766;

export function chunks<T>(items: readonly T[], size = 1000): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
