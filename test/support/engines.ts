/**
 * The conformance harness: every database-backed suite runs once per engine,
 * with the same tests. SQLite always runs; MySQL runs when
 * DIGEST_TEST_MYSQL_URL is set (CI always sets it and checks that it ran).
 * Each test file gets its own database (a MySQL schema / a SQLite file),
 * created here and dropped after.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe } from 'vitest';
import type { Db } from '../../src/store/db.js';
import { openDb } from '../../src/store/open.js';

export type EngineName = 'sqlite' | 'mysql';

/** The caller's own open transaction, on its own connection, as record({ tx }) receives it. */
export interface CallerTx {
  tx: unknown;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  close(): Promise<void>;
}

export interface TestEngine {
  name: EngineName;
  /** DATABASE_URL of this file's private, migrated database. */
  url: string;
  db: Db;
  /** A second, empty (unmigrated) database. */
  createEmpty(): Promise<{ url: string; drop(): Promise<void> }>;
  callerTx(): Promise<CallerTx>;
}

const mysqlUrl = process.env.DIGEST_TEST_MYSQL_URL;

const kinds: Record<EngineName, { enabled: boolean; create(): Promise<{ url: string; drop(): Promise<void> }>; callerTx(url: string): Promise<CallerTx> }> = {
  sqlite: {
    enabled: true,
    async create() {
      const dir = mkdtempSync(join(tmpdir(), 'digest-test-'));
      return { url: `sqlite:${join(dir, 'digest.db')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
    },
    async callerTx(url) {
      const conn = new Database(url.slice('sqlite:'.length), { timeout: 15_000 });
      conn.exec('BEGIN IMMEDIATE');
      return {
        tx: conn,
        commit: async () => void conn.exec('COMMIT'),
        rollback: async () => void conn.exec('ROLLBACK'),
        close: async () => void conn.close(),
      };
    },
  },
  mysql: {
    enabled: Boolean(mysqlUrl),
    async create() {
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
    },
    async callerTx(url) {
      const conn = await mysql.createConnection(url);
      await conn.beginTransaction();
      return { tx: conn, commit: () => conn.commit(), rollback: () => conn.rollback(), close: () => conn.end() };
    },
  },
};

/**
 * describe() once per available engine, with a fresh migrated database for
 * the block. `only` narrows it for behaviour one engine alone has (a MySQL
 * server restart, say).
 */
export function describeEngines(title: string, body: (engine: TestEngine) => void, only?: readonly EngineName[]): void {
  for (const name of only ?? (['sqlite', 'mysql'] as const)) {
    const kind = kinds[name];
    describe.skipIf(!kind.enabled)(`[${name}] ${title}`, () => {
      const engine = { name, createEmpty: () => kind.create() } as TestEngine;
      let drop: () => Promise<void> = async () => undefined;
      beforeAll(async () => {
        const created = await kind.create();
        drop = created.drop;
        engine.url = created.url;
        engine.callerTx = () => kind.callerTx(created.url);
        engine.db = openDb(created.url);
        await engine.db.migrate();
      });
      afterAll(async () => {
        await engine.db?.close();
        await drop();
      });
      body(engine);
    });
  }
}

/** Empties every table between tests that need a clean slate. */
export async function truncateAll(db: Db): Promise<void> {
  for (const t of ['digest_events', 'digest_runs', 'digest_deliveries', 'digest_workers', 'digest_recipients', 'digest_suppressions', 'digest_flushes']) await db.run(`DELETE FROM ${t}`);
}
