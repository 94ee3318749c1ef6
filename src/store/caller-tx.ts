import { sql, type SQL } from 'drizzle-orm';
import { DigestError } from '../errors.js';
import type { Dialect, Executor, RunResult, SyncExecutor } from './db.js';
import { mysqlExecutor, utcParam } from './mysql.js';
import { sqliteExecutor } from './sqlite.js';

/** Rebuilds our `?` statement as a drizzle SQL object with bound parameters. */
function toDrizzle(text: string, params: readonly unknown[]): SQL {
  const parts = text.split('?');
  return sql.join(parts.flatMap((p, i) => (i === 0 ? [sql.raw(p)] : [sql.param(utcParam(params[i - 1])), sql.raw(p)])));
}

interface DrizzleMysql { execute(q: SQL): Promise<unknown> }
interface DrizzleSqlite { all(q: SQL): unknown[]; run(q: SQL): { changes: number; lastInsertRowid: number | bigint } }

/** A drizzle better-sqlite3 transaction: synchronous, so our statement runs inside the caller's callback. */
function drizzleSqliteExecutor(d: DrizzleSqlite): Executor {
  const sync: SyncExecutor = {
    all: <T>(text: string, params: readonly unknown[] = []) => d.all(toDrizzle(text, params)) as T[],
    run: (text: string, params: readonly unknown[] = []): RunResult => {
      const r = d.run(toDrizzle(text, params));
      return { affectedRows: r.changes, insertId: Number(r.lastInsertRowid) };
    },
  };
  return {
    dialect: 'sqlite',
    all: async <T>(text: string, params?: readonly unknown[]) => sync.all<T>(text, params),
    run: async (text: string, params?: readonly unknown[]) => sync.run(text, params),
    sync,
  };
}

/**
 * The caller's transaction, as an Executor: statements run on THEIR
 * connection, so the event commits if and only if their transaction does.
 * Accepts, on MySQL, a mysql2 connection (promise or callback API) or a
 * drizzle mysql2 transaction; on SQLite, a better-sqlite3 connection or a
 * drizzle better-sqlite3 transaction.
 */
export function callerExecutor(tx: unknown, dialect: Dialect): Executor {
  const t = tx as Record<string, unknown>;
  if (dialect === 'sqlite') {
    if (t && typeof t.select === 'function' && typeof t.all === 'function') return drizzleSqliteExecutor(tx as DrizzleSqlite);
    if (t && typeof t.prepare === 'function') return sqliteExecutor(tx as never, { sync: true });
    throw new DigestError('BAD_TX', 'tx must be a better-sqlite3 connection or a drizzle transaction');
  }
  if (t && typeof t.execute === 'function' && typeof t.select === 'function') {
    const d = tx as DrizzleMysql;
    const exec = async (text: string, params: readonly unknown[] = []) => {
      const res = await d.execute(toDrizzle(text, params));
      return (Array.isArray(res) ? res[0] : res) as unknown;
    };
    return {
      dialect: 'mysql',
      all: async <T>(text: string, params?: readonly unknown[]) => (await exec(text, params)) as T[],
      run: async (text: string, params?: readonly unknown[]): Promise<RunResult> => {
        const r = (await exec(text, params)) as { affectedRows: number; insertId: number | bigint };
        return { affectedRows: r.affectedRows, insertId: Number(r.insertId) };
      },
    };
  }
  if (t && typeof t.promise === 'function') return mysqlExecutor((tx as { promise(): never }).promise());
  if (t && typeof t.query === 'function') return mysqlExecutor(tx as never);
  throw new DigestError('BAD_TX', 'tx must be a mysql2 connection or a drizzle transaction');
}

/**
 * Runs several statements on a caller's synchronous SQLite connection as one
 * unit: a SAVEPOINT (nested inside their transaction, or a transaction of its
 * own outside one), so a failure half-way leaves none of them behind even if
 * the caller commits without waiting for our promise.
 */
export function inSavepointSync<T>(sx: SyncExecutor, fn: () => T): T {
  sx.run('SAVEPOINT digest_record');
  try {
    const result = fn();
    sx.run('RELEASE digest_record');
    return result;
  } catch (err) {
    sx.run('ROLLBACK TO digest_record');
    sx.run('RELEASE digest_record');
    throw err;
  }
}
