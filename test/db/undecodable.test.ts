/**
 * One row that can never be rendered (invalid JSON, a payload that is not an
 * object, a blank recipient) fails its own delivery — dead at once, with the
 * reason — and never the claim: every other row of the type is delivered.
 */
import Database from 'better-sqlite3';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { beforeEach, expect, it } from 'vitest';
import { migrationsDir } from '../../src/paths.js';
import { runType } from '../../src/runner/run.js';
import { openDb } from '../../src/store/open.js';
import { describeEngines, truncateAll, type TestEngine } from '../support/engines.js';
import { testApp } from '../support/app.js';

const request = (n: number, supplier: string) => JSON.stringify({
  request_id: n, supplier_id: supplier, supplier_email: 's@x.example', customer_email: 'c@x.example', item: 'bolt', quantity: 1,
});

/** A direct-SQL producer's insert, and the deliveries as they stand. */
const rowsOf = (engine: TestEngine) => ({
  insert: (recipient: string, payload: string | null) => engine.db.run(
    'INSERT INTO digest_events (type, recipient, payload) VALUES (?, ?, ?)', ['Purchase.Requested', recipient, payload]),
  deliveries: () => engine.db.all<{ recipient: string; status: string; error: string | null; attempts: number }>(
    'SELECT recipient, status, error, attempts FROM digest_deliveries ORDER BY id'),
});

describeEngines('undecodable rows', (engine) => {
  beforeEach(() => truncateAll(engine.db));
  const { insert, deliveries } = rowsOf(engine);

  it('neither engine holds invalid JSON or a NULL payload: the insert itself is refused', async () => {
    await expect(insert('S1', '{"request_id": 1,')).rejects.toThrow();
    await expect(insert('S1', null)).rejects.toThrow();
    const [{ n }] = await engine.db.all<{ n: number }>('SELECT COUNT(*) AS n FROM digest_events');
    expect(Number(n)).toBe(0);
  });

  it('payloads that are valid JSON but not objects, and blank recipients, each fail their own delivery; the rest are sent', async () => {
    const { ctx, transport } = await testApp(engine);
    await insert('S1', request(1, 'S1'));
    for (const bad of ['[1,2]', '42', '"text"', 'null']) await insert('S1', bad);
    await insert('', request(2, ''));
    await insert('   ', request(3, '   '));
    await insert('S2', request(4, 'S2'));
    await insert('S1', request(5, 'S1'));

    const summary = await runType(ctx, { type: 'Purchase.Requested', trigger: 'manual' });
    expect(summary).toMatchObject({ eventsClaimed: 9, deliveriesSent: 2, deliveriesFailed: 6 });
    // The good events of S1 were not stranded by the bad ones recorded between them.
    expect(transport.sent.map((m) => m.recipient).sort()).toEqual(['S1', 'S2']);
    const rows = await deliveries();
    const dead = rows.filter((r) => r.status === 'dead');
    expect(dead).toHaveLength(6);
    // Dead at once (retrying cannot help), each with its reason and event id.
    expect(dead.every((r) => r.attempts === 1)).toBe(true);
    const errors = dead.map((r) => r.error ?? '');
    expect(errors.filter((e) => /payload is not a JSON object \(it is an array\)/.test(e))).toHaveLength(1);
    expect(errors.filter((e) => /payload is not a JSON object \(it is number\)/.test(e))).toHaveLength(1);
    expect(errors.filter((e) => /payload is not a JSON object \(it is string\)/.test(e))).toHaveLength(1);
    expect(errors.filter((e) => /payload is NULL|not a JSON object \(it is object\)/.test(e))).toHaveLength(1);
    expect(errors.filter((e) => /recipient is empty/.test(e))).toHaveLength(2);
    expect(errors.every((e) => /event \d+: /.test(e))).toBe(true);

    // Nothing is left for the claim to trip over: the next run finds no work.
    const again = await runType(ctx, { type: 'Purchase.Requested', trigger: 'manual' });
    expect(again.eventsClaimed).toBe(0);
  });
});

// Only SQLite can be made to hold invalid JSON (its CHECK can be switched off); MySQL's JSON column refuses it outright.
describeEngines('undecodable rows that bypassed the check', (engine) => {
  beforeEach(() => truncateAll(engine.db));
  const { insert, deliveries } = rowsOf(engine);

  it('invalid JSON that got in anyway (CHECK bypassed) fails its own delivery, never the claim', async () => {
    const { ctx, transport } = await testApp(engine);
    const conn = new Database(engine.url.slice('sqlite:'.length));
    try {
      conn.pragma('ignore_check_constraints = ON');
      conn.prepare('INSERT INTO digest_events (type, recipient, payload) VALUES (?, ?, ?)').run('Purchase.Requested', 'S1', '{"request_id": 1,');
    } finally {
      conn.close();
    }
    await insert('S1', request(2, 'S1'));
    await insert('S3', request(3, 'S3'));
    const summary = await runType(ctx, { type: 'Purchase.Requested', trigger: 'manual' });
    expect(summary).toMatchObject({ eventsClaimed: 3, deliveriesSent: 2, deliveriesFailed: 1 });
    expect(transport.sent.map((m) => m.recipient).sort()).toEqual(['S1', 'S3']);
    const dead = (await deliveries()).filter((r) => r.status === 'dead');
    expect(dead).toHaveLength(1);
    expect(dead[0]!.error).toMatch(/event \d+: payload is not valid JSON/);
  });
}, ['sqlite']);

describeEngines('migration 0001 on SQLite', (engine) => {
  it('adds the JSON check keeping every row and the id sequence; a row that held invalid JSON is kept (as a JSON string) and fails alone', async () => {
    const { url, drop } = await engine.createEmpty();
    const path = url.slice('sqlite:'.length);
    const [init] = readMigrationFiles({ migrationsFolder: migrationsDir('sqlite') });
    const conn = new Database(path);
    try {
      // The database as migration 0000 left it, as drizzle's migrator records it.
      for (const stmt of init!.sql) conn.exec(stmt);
      conn.exec('CREATE TABLE __drizzle_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, hash text NOT NULL, created_at numeric)');
      conn.prepare('INSERT INTO __drizzle_migrations (hash, created_at) VALUES (?, ?)').run(init!.hash, init!.folderMillis);
      const ins = conn.prepare('INSERT INTO digest_events (type, recipient, payload, idempotency_key) VALUES (?, ?, ?, ?)');
      ins.run('Purchase.Requested', 'S1', request(1, 'S1'), 'k1');
      ins.run('Purchase.Requested', 'S1', '{"broken', null);
      ins.run('Purchase.Requested', 'S2', request(3, 'S2'), null);
      ins.run('Purchase.Requested', 'S9', request(4, 'S9'), null);
      conn.exec("DELETE FROM digest_events WHERE recipient = 'S9'");
    } finally {
      conn.close();
    }
    const db = openDb(url);
    try {
      await db.migrate();
      expect(await db.pendingMigrations()).toBe(0);
      const rows = await db.all<{ id: number; recipient: string; payload: string; idempotency_key: string | null }>(
        'SELECT id, recipient, payload, idempotency_key FROM digest_events ORDER BY id');
      expect(rows.map((r) => [Number(r.id), r.recipient, r.idempotency_key])).toEqual([[1, 'S1', 'k1'], [2, 'S1', null], [3, 'S2', null]]);
      expect(JSON.parse(rows[0]!.payload)).toMatchObject({ request_id: 1 });
      expect(JSON.parse(rows[1]!.payload)).toBe('{"broken');
      // The check holds from now on, and a deleted id (4) is not handed out again.
      await expect(db.run("INSERT INTO digest_events (type, recipient, payload) VALUES ('T', 'r', 'nope')")).rejects.toThrow(/CHECK/);
      const next = await db.run('INSERT INTO digest_events (type, recipient, payload) VALUES (?, ?, ?)', ['Purchase.Requested', 'S4', request(5, 'S4')]);
      expect(next.insertId).toBe(5);
      const indexes = await db.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'digest_events' AND name LIKE 'digest_%' ORDER BY name");
      // The rebuild keeps 0000's indexes; later migrations add the retention, held and recipient ones.
      expect(indexes.map((i) => i.name)).toEqual(['digest_events_claim', 'digest_events_delivery', 'digest_events_held', 'digest_events_idempotency', 'digest_events_processed', 'digest_events_recipient']);

      const { ctx, transport } = await testApp({ ...engine, db });
      const summary = await runType(ctx, { type: 'Purchase.Requested', trigger: 'manual' });
      expect(summary).toMatchObject({ eventsClaimed: 4, deliveriesSent: 3, deliveriesFailed: 1 });
      expect(transport.sent.map((m) => m.recipient).sort()).toEqual(['S1', 'S2', 'S4']);
    } finally {
      await db.close();
      await drop();
    }
  });
}, ['sqlite']);
