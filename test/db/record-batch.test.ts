/**
 * recordMany inside a caller's synchronous SQLite transaction puts every
 * statement inside it (nothing lands after their COMMIT/ROLLBACK), and large
 * batches are split to fit SQLite's bound-variable limit.
 */
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { beforeEach, expect, it } from 'vitest';
import { describeEngines, truncateAll } from '../support/engines.js';
import { testApp } from '../support/app.js';

const order = (n: number) => ({ email_address: `o${n}@shop.example`, order_id: n });
const count = async (db: { all: Function }) =>
  Number(((await db.all('SELECT COUNT(*) AS n FROM digest_events')) as Array<{ n: number }>)[0]!.n);
// Keyed rows (one statement each) before and after plain ones: several statements.
const batch = () => [
  { type: 'Order.Created', payload: order(1), idempotencyKey: 'k1' },
  { type: 'Order.Created', payload: order(2) },
  { type: 'Order.Created', payload: order(3), idempotencyKey: 'k3' },
  { type: 'Order.Created', payload: order(4) },
];

describeEngines('recordMany in a synchronous SQLite transaction', (engine) => {
  beforeEach(() => truncateAll(engine.db));
  const path = () => engine.url.slice('sqlite:'.length);

  it('better-sqlite3 BEGIN … ROLLBACK right after the call: nothing is left behind', async () => {
    const { recorder } = await testApp(engine);
    const conn = new Database(path(), { timeout: 15_000 });
    try {
      conn.exec('BEGIN IMMEDIATE');
      const pending = recorder.recordMany(batch(), { tx: conn });
      const single = recorder.record('Order.Created', order(9), { tx: conn, idempotencyKey: 'k1' });
      conn.exec('ROLLBACK');
      await pending;
      await single;
      expect(await count(engine.db)).toBe(0);

      conn.exec('BEGIN IMMEDIATE');
      const ids = recorder.recordMany(batch(), { tx: conn });
      conn.exec('COMMIT');
      const rows = await engine.db.all<{ id: number; recipient: string }>('SELECT id, recipient FROM digest_events');
      const byId = new Map(rows.map((r) => [Number(r.id), r.recipient]));
      expect((await ids).map((id) => byId.get(id))).toEqual(['o1@shop.example', 'o2@shop.example', 'o3@shop.example', 'o4@shop.example']);
    } finally {
      conn.close();
    }
  });

  it('a drizzle better-sqlite3 transaction that rolls back leaves nothing; one that commits keeps all', async () => {
    const { recorder } = await testApp(engine);
    const conn = new Database(path(), { timeout: 15_000 });
    const orm = drizzle(conn);
    try {
      let pending: Promise<number[]> | undefined;
      expect(() => orm.transaction((tx) => {
        pending = recorder.recordMany(batch(), { tx });
        tx.rollback();
      })).toThrow();
      await pending;
      expect(await count(engine.db)).toBe(0);
      orm.transaction((tx) => {
        pending = recorder.recordMany(batch(), { tx });
      });
      expect(await pending).toHaveLength(4);
      expect(await count(engine.db)).toBe(4);
    } finally {
      conn.close();
    }
  });

  it('a statement failing half-way leaves none of the batch in the caller transaction, which commits without waiting', async () => {
    const { recorder } = await testApp(engine);
    const conn = new Database(path(), { timeout: 15_000 });
    try {
      // The keyed row goes in first; the plain rows' INSERT then fails.
      conn.exec("CREATE TEMP TRIGGER boom BEFORE INSERT ON main.digest_events WHEN NEW.recipient = 'o4@shop.example' BEGIN SELECT RAISE(ABORT, 'boom'); END");
      conn.exec('BEGIN IMMEDIATE');
      conn.prepare("INSERT INTO digest_workers (id, host, pid) VALUES ('caller-row', 'h', 1)").run();
      const pending = recorder.recordMany(batch(), { tx: conn });
      conn.exec('COMMIT');
      await expect(pending).rejects.toThrow(/boom/);
      expect(await count(engine.db)).toBe(0);
      // The caller's own write in the same transaction committed.
      expect(await engine.db.all("SELECT id FROM digest_workers WHERE id = 'caller-row'")).toHaveLength(1);
    } finally {
      conn.close();
    }
  });

  it('25,000 events in one recordMany, inside a caller transaction too', async () => {
    const { recorder } = await testApp(engine);
    const many = Array.from({ length: 25_000 }, (_, i) => ({ type: 'Order.Created', payload: order(i + 1) }));
    const conn = new Database(path(), { timeout: 15_000 });
    try {
      conn.exec('BEGIN IMMEDIATE');
      const pending = recorder.recordMany(many, { tx: conn });
      conn.exec('COMMIT');
      const ids = await pending;
      expect(new Set(ids).size).toBe(25_000);
      const [last] = await engine.db.all<{ recipient: string }>('SELECT recipient FROM digest_events WHERE id = ?', [ids[24_999]]);
      expect(last!.recipient).toBe('o25000@shop.example');
    } finally {
      conn.close();
    }
    expect(await count(engine.db)).toBe(25_000);
  });
}, ['sqlite']);

describeEngines('large recordMany', (engine) => {
  beforeEach(() => truncateAll(engine.db));

  it('25,000 events with times given (6 values a row) are stored, ids in input order', async () => {
    const { recorder } = await testApp(engine);
    const at = new Date('2030-01-01T00:00:00Z');
    const many = Array.from({ length: 25_000 }, (_, i) => ({ type: 'Order.Created', payload: order(i + 1), occurredAt: at }));
    const ids = await recorder.recordMany(many);
    expect(ids).toHaveLength(25_000);
    expect(await count(engine.db)).toBe(25_000);
    const probe = [0, 5_460, 5_461, 24_999];
    const rows = await engine.db.all<{ id: number; recipient: string }>(
      `SELECT id, recipient FROM digest_events WHERE id IN (${probe.map(() => '?').join(', ')})`, probe.map((i) => ids[i]));
    const byId = new Map(rows.map((r) => [Number(r.id), r.recipient]));
    expect(probe.map((i) => byId.get(ids[i]!))).toEqual(probe.map((i) => `o${i + 1}@shop.example`));
  });
});
