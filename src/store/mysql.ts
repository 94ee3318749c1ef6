import { drizzle } from 'drizzle-orm/mysql2';
import { migrate } from 'drizzle-orm/mysql2/migrator';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import mysql from 'mysql2/promise';
import { migrationsDir } from '../paths.js';
import { type Db, dbTime, type Executor, type RunResult } from './db.js';
import { createConflictReporter, retryConflicts, retryingExecutor } from './conflict-retry.js';
import { isConnectionError } from './errors.js';
import { createMysqlPool } from './mysql-cluster.js';
import { parseMysqlHosts } from './mysql-hosts.js';

type Queryable = Pick<mysql.Connection, 'query'>;

/**
 * Dates are written as UTC text ourselves rather than left to the driver: a
 * caller's own connection (record inside their transaction) may be set to
 * local time, and the schema stores UTC.
 */
export const utcParam = (v: unknown) => (v instanceof Date ? dbTime(v) : v);

/** Wraps anything with a promise `query` (pool, pooled or plain connection). */
export function mysqlExecutor(conn: Queryable): Executor {
  return {
    dialect: 'mysql',
    async all<T>(sql: string, params: readonly unknown[] = []) {
      const [rows] = await conn.query(sql, params.map(utcParam));
      return rows as T[];
    },
    async run(sql: string, params: readonly unknown[] = []): Promise<RunResult> {
      const [res] = await conn.query<mysql.ResultSetHeader>(sql, params.map(utcParam));
      return { affectedRows: res.affectedRows, insertId: Number(res.insertId) };
    },
  };
}

export function openMysql(url: string, opts: { connectionLimit?: number } = {}): Db {
  const pool = createMysqlPool(url, {
    // Dates cross the wire as UTC; the schema stores UTC DATETIME(3).
    timezone: 'Z',
    // 20 by default (16 concurrent record() callers should not queue);
    // `?connectionLimit=N` in DATABASE_URL sets it (per host of a multi-host URL).
    connectionLimit: opts.connectionLimit ?? (parseMysqlHosts(url).connectionLimit || 20),
    supportBigNumbers: true,
    enableKeepAlive: true,
  }, (conn) => Promise.all([
    // Per connection, once: READ COMMITTED keeps the claim's locks to the rows it
    // actually takes (no gap locks), and UTC makes any NOW() agree with UTC_TIMESTAMP().
    // Both are queued at once, ahead of the connection's first statement.
    conn.query('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED'),
    conn.query("SET time_zone = '+00:00'"),
  ]));
  const folder = migrationsDir('mysql');

  // Conflicts (deadlock, lock wait, Galera certification) are retried with
  // jitter, statement by statement outside a transaction, whole inside one.
  const conflicts = createConflictReporter();

  return {
    ...retryingExecutor(mysqlExecutor(pool), conflicts),
    onConflict: conflicts.on,
    transaction: (fn) => retryConflicts('transaction', conflicts, async () => {
      const conn = await pool.getConnection();
      try {
        await conn.beginTransaction();
        const result = await fn(mysqlExecutor(conn));
        await conn.commit();
        conn.release();
        return result;
      } catch (err) {
        // A connection whose node went away (or left the Primary Component)
        // is not handed out again.
        if (isConnectionError(err)) {
          conn.destroy();
          throw err;
        }
        // A conflict's loser is rolled back whole: running it again is safe.
        await conn.rollback().catch(() => undefined);
        conn.release();
        throw err;
      }
    }),
    async migrate() {
      // On one connection: a multi-host pool is not a mysql2 Pool drizzle knows.
      const conn = await pool.getConnection();
      try {
        await migrate(drizzle(conn), { migrationsFolder: folder });
      } finally {
        conn.release();
      }
    },
    async pendingMigrations() {
      const shipped = readMigrationFiles({ migrationsFolder: folder }).length;
      const [tables] = await pool.query<mysql.RowDataPacket[]>(
        "SELECT 1 FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = '__drizzle_migrations'");
      if (tables.length === 0) return shipped;
      const [rows] = await pool.query<mysql.RowDataPacket[]>('SELECT COUNT(*) AS n FROM `__drizzle_migrations`');
      return Math.max(0, shipped - Number(rows[0]?.n ?? 0));
    },
    async close() {
      await pool.end();
    },
  };
}
