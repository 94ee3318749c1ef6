import { DigestError } from '../errors.js';
import type { Db } from './db.js';
import { openMysql } from './mysql.js';

/** Picks the engine from DATABASE_URL. */
export function openDb(url: string | undefined): Db {
  if (url && /^mysql:\/\//i.test(url)) return openMysql(url);
  throw new DigestError('DATABASE_URL', `DATABASE_URL must be a mysql:// URL (got ${url ? JSON.stringify(url.split(':')[0]) : 'nothing'})`);
}

/** The scheduler refuses to run on a database that is not migrated. */
export async function assertMigrated(db: Db): Promise<void> {
  const pending = await db.pendingMigrations();
  if (pending > 0) {
    throw new DigestError('NOT_MIGRATED', `database is not migrated (${pending} migration(s) pending): run \`digest migrate\``);
  }
}
