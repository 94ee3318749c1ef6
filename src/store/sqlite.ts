import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { crc32 } from 'node:zlib';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { DigestError } from '../errors.js';
import { migrationsDir } from '../paths.js';
import type { Db, Executor, RunResult, SyncExecutor } from './db.js';
import { createConflictReporter } from './conflict-retry.js';
import { isRetryableTransaction } from './errors.js';
import { utcParam } from './mysql.js';

/** better-sqlite3 binds no Date, boolean or undefined: times become the schema's UTC text. */
const bind = (params: readonly unknown[]) =>
  params.map((v) => (v === undefined ? null : typeof v === 'boolean' ? Number(v) : utcParam(v)));

const STATEMENT_CACHE = 500;

/**
 * An Executor over one better-sqlite3 connection (ours, or the caller's own
 * inside their transaction). Statements run synchronously at call time, which
 * is also what lets a drizzle better-sqlite3 transaction (sync) include them.
 */
export function sqliteExecutor(conn: Database.Database, opts: { sync?: boolean } = {}): Executor {
  const cache = new Map<string, Database.Statement>();
  const prepare = (sql: string) => {
    let s = cache.get(sql);
    if (!s) {
      s = conn.prepare(sql);
      // IN lists of many sizes make many texts: keep the most recent few hundred.
      if (cache.size >= STATEMENT_CACHE) cache.delete(cache.keys().next().value!);
      cache.set(sql, s);
    }
    return s;
  };
  const sync: SyncExecutor = {
    all<T>(sql: string, params: readonly unknown[] = []) {
      const s = prepare(sql);
      if (s.reader) return s.all(...bind(params)) as T[];
      s.run(...bind(params));
      return [];
    },
    run(sql: string, params: readonly unknown[] = []): RunResult {
      const r = prepare(sql).run(...bind(params));
      return { affectedRows: r.changes, insertId: Number(r.lastInsertRowid) };
    },
  };
  return {
    dialect: 'sqlite',
    all: async <T>(sql: string, params?: readonly unknown[]) => sync.all<T>(sql, params),
    run: async (sql: string, params?: readonly unknown[]) => sync.run(sql, params),
    // Only for a caller's connection: ours is shared and serialised by a lock.
    ...(opts.sync ? { sync } : {}),
  };
}

/**
 * One connection serves the whole process, so concurrent async work must not
 * wander into another task's open transaction: every statement and every
 * transaction takes this lock. Other processes are kept out by SQLite itself
 * (BEGIN IMMEDIATE + busy timeout).
 */
function createLock() {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>): Promise<T> => {
    const next = tail.then(fn);
    tail = next.catch(() => undefined);
    return next;
  };
}

const TX_ATTEMPTS = 5;

/**
 * `path` is a file path (created on first use, with its folder) or
 * ':memory:'. With `create: false` a missing file is an error instead: a
 * command that only reads must not leave an empty database behind.
 */
export function openSqlite(path: string, opts: { busyTimeoutMs?: number; create?: boolean } = {}): Db {
  const create = opts.create ?? true;
  if (path !== ':memory:') {
    if (!create && !existsSync(path)) {
      throw new DigestError('NO_DATABASE', `no database at ${path}: run \`digest migrate\` to create it`);
    }
    if (create) mkdirSync(dirname(path), { recursive: true });
  }
  // The busy timeout makes a writer wait for another process's short
  // transaction instead of failing with SQLITE_BUSY.
  const conn = new Database(path, { timeout: opts.busyTimeoutMs ?? 15_000, fileMustExist: !create });
  // WAL: the app recording and the scheduler claiming don't block each
  // other's reads; NORMAL sync is durable across process crashes in WAL mode.
  conn.pragma('journal_mode = WAL');
  conn.pragma('synchronous = NORMAL');
  // MySQL's CRC32() for the claim's recipient lanes (event-claims.ts RecipientLane).
  conn.function('crc32', { deterministic: true }, (s: unknown) => (s == null ? null : crc32(String(s))));
  const ex = sqliteExecutor(conn);
  const locked = createLock();
  const folder = migrationsDir('sqlite');
  // SQLITE_BUSY past the busy timeout (already a 15 s wait) is retried at
  // once, as before; the retries are reported like MySQL's conflicts.
  const conflicts = createConflictReporter();
  const busy = (attempt: number) => conflicts.report({ scope: 'transaction', attempt, code: 'SQLITE_BUSY', retryInMs: 0 });

  return {
    dialect: 'sqlite',
    onConflict: conflicts.on,
    all: (sql, params) => locked(() => ex.all(sql, params)),
    run: (sql, params) => locked(() => ex.run(sql, params)),
    transaction: (fn) => locked(async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          // IMMEDIATE takes the write lock up front: SQLite has no SKIP
          // LOCKED, so the claim is serialised by this lock instead.
          conn.exec('BEGIN IMMEDIATE');
        } catch (err) {
          if (attempt < TX_ATTEMPTS && isRetryableTransaction(err)) { busy(attempt); continue; }
          throw err;
        }
        try {
          const result = await fn(ex);
          conn.exec('COMMIT');
          return result;
        } catch (err) {
          if (conn.inTransaction) conn.exec('ROLLBACK');
          if (attempt < TX_ATTEMPTS && isRetryableTransaction(err)) { busy(attempt); continue; }
          throw err;
        }
      }
    }),
    migrate: () => locked(async () => migrate(drizzle(conn), { migrationsFolder: folder })),
    pendingMigrations: () => locked(async () => {
      const shipped = readMigrationFiles({ migrationsFolder: folder }).length;
      const table = conn.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'").get();
      if (!table) return shipped;
      const row = conn.prepare('SELECT COUNT(*) AS n FROM __drizzle_migrations').get() as { n: number };
      return Math.max(0, shipped - row.n);
    }),
    close: () => locked(async () => {
      conn.close();
    }),
  };
}
