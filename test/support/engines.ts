/**
 * Database-backed suites run once per engine. MySQL runs when
 * DIGEST_TEST_MYSQL_URL is set (CI always sets it and checks that it ran).
 * Each test file gets its own database, created here and dropped after.
 */
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe } from 'vitest';
import type { Db } from '../../src/store/db.js';
import { openMysql } from '../../src/store/mysql.js';

export interface TestEngine {
  name: 'mysql';
  /** URL of this file's private, migrated database. */
  url: string;
  db: Db;
}

const mysqlUrl = process.env.DIGEST_TEST_MYSQL_URL;

export async function createMysqlDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `digest_t_${randomBytes(5).toString('hex')}`;
  const admin = await mysql.createConnection(mysqlUrl!);
  await admin.query(`CREATE DATABASE \`${name}\``);
  await admin.end();
  const url = new URL(mysqlUrl!);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = await mysql.createConnection(mysqlUrl!);
      await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await c.end();
    },
  };
}

/** describe() once per available engine, with a fresh migrated database for the block. */
export function describeEngines(title: string, body: (engine: TestEngine) => void): void {
  describe.skipIf(!mysqlUrl)(`[mysql] ${title}`, () => {
    const engine = { name: 'mysql' } as TestEngine;
    let drop: () => Promise<void> = async () => undefined;
    beforeAll(async () => {
      const created = await createMysqlDatabase();
      drop = created.drop;
      engine.url = created.url;
      engine.db = openMysql(created.url);
      await engine.db.migrate();
    });
    afterAll(async () => {
      await engine.db?.close();
      await drop();
    });
    body(engine);
  });
}

/** Empties every table between tests that need a clean slate. */
export async function truncateAll(db: Db): Promise<void> {
  for (const t of ['digest_events', 'digest_runs', 'digest_deliveries', 'digest_workers']) await db.run(`DELETE FROM ${t}`);
}
