import { readMigrationFiles } from 'drizzle-orm/migrator';
import { DigestError } from '../errors.js';
import { migrationsDir } from '../paths.js';
import type { Db } from './db.js';
import { openMysql } from './mysql.js';
import { openSqlite } from './sqlite.js';

/** Where the embedded default keeps its data when DATABASE_URL is unset. */
export const DEFAULT_DATABASE_URL = 'sqlite:./data/digest.db';

/**
 * Picks the engine from DATABASE_URL: mysql://… → MySQL; unset or
 * sqlite:<path> → SQLite. `create: false` refuses a missing SQLite file
 * rather than creating it (commands that only read).
 */
export function openDb(url: string | undefined, opts: { create?: boolean } = {}): Db {
  const u = url || DEFAULT_DATABASE_URL;
  if (/^mysql:\/\//i.test(u)) return openMysql(u);
  if (/^sqlite:/i.test(u)) {
    const path = u.slice('sqlite:'.length).replace(/^\/\/(?=\/|\.)/, '');
    if (!path) throw new DigestError('DATABASE_URL', 'DATABASE_URL sqlite: needs a path, e.g. sqlite:./data/digest.db');
    return openSqlite(path, { create: opts.create });
  }
  throw new DigestError('DATABASE_URL', `DATABASE_URL must be mysql://… or sqlite:<path> (got a "${u.split(':')[0]}:" URL)`);
}

/** The scheduler refuses to run on a database that is not migrated. */
export async function assertMigrated(db: Db): Promise<void> {
  const pending = await db.pendingMigrations();
  if (pending > 0) {
    throw new DigestError('NOT_MIGRATED', `database is not migrated (${pending} migration(s) pending): run \`digest migrate\``);
  }
}

/** How many migrations this version ships for the engine. */
export const shippedMigrations = (db: Db): number => readMigrationFiles({ migrationsFolder: migrationsDir(db.dialect) }).length;
