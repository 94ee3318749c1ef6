/**
 * A read-only connection to one Galera node that sees every write the
 * cluster committed before the query (wsrep_sync_wait = 1): a commit on
 * node 2 is certified everywhere before its COMMIT returns, but applied on
 * node 1 a moment later, and a count read there in that moment would lie.
 */
import mysql from 'mysql2/promise';

export interface SyncedReader {
  all<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

const READ_TIMEOUT_MS = 60_000;

export async function syncedReader(url: string): Promise<SyncedReader> {
  const conn = await mysql.createConnection({ uri: url, timezone: 'Z', supportBigNumbers: true, connectTimeout: 5_000 });
  await conn.query('SET SESSION wsrep_sync_wait = 1');
  return {
    async all<T>(sql: string, params: unknown[] = []) {
      // Bounded, so a blocked node fails the scenario with a message instead of hanging it (and its cleanup).
      const [rows] = await conn.query({ sql, values: params, timeout: READ_TIMEOUT_MS });
      return rows as T[];
    },
    close: async () => { conn.destroy(); },
  };
}
