import Database from 'better-sqlite3';
import { drizzle as drizzleSqlite } from 'drizzle-orm/better-sqlite3';
import { drizzle as drizzleMysql } from 'drizzle-orm/mysql2';
import mysql from 'mysql2/promise';
import { beforeEach, expect, it } from 'vitest';
import { UnknownEventTypeError, ValidationError } from '../../src/errors.js';
import { runType } from '../../src/runner/run.js';
import { describeEngines, truncateAll } from '../support/engines.js';
import { testApp } from '../support/app.js';

const order = (n: number) => ({ email_address: `o${n}@shop.example`, order_id: n });
const count = async (db: { all: Function }, where = '1=1', params: unknown[] = []) =>
  Number(((await db.all(`SELECT COUNT(*) AS n FROM digest_events WHERE ${where}`, params)) as Array<{ n: number }>)[0]!.n);

describeEngines('record()', (engine) => {
  beforeEach(() => truncateAll(engine.db));

  it('stores the recipient and returns the id', async () => {
    const { recorder } = await testApp(engine);
    const id = await recorder.record('Order.Created', order(1));
    const [row] = await engine.db.all<{ recipient: string; type: string }>('SELECT recipient, type FROM digest_events WHERE id = ?', [id]);
    expect(row).toEqual({ recipient: 'o1@shop.example', type: 'Order.Created' });
  });

  it('rejects an invalid payload naming the field, and an unknown type listing the known ones; nothing is written', async () => {
    const { recorder } = await testApp(engine);
    const err = await recorder.record('Order.Created', { email_address: 'nope', order_id: -1 }).catch((e) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.issues.map((i: { path: string }) => i.path).sort()).toEqual(['payload.email_address', 'payload.order_id']);
    const unknown = await recorder.record('Order.Shipped', {}).catch((e) => e);
    expect(unknown).toBeInstanceOf(UnknownEventTypeError);
    expect(unknown.message).toContain('Purchase.Requested');
    expect(await count(engine.db)).toBe(0);
  });

  it('rejects a payload over the size limit', async () => {
    const { recorder } = await testApp(engine);
    // A declared field: unknown ones are stripped before the size is measured.
    const big = { request_id: 1, supplier_id: 'S1', supplier_email: 's@x.example', customer_email: 'c@x.example', item: 'x'.repeat(70_000), quantity: 1 };
    const err = await recorder.record('Purchase.Requested', big).catch((e) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.issues[0]).toMatchObject({ path: 'payload' });
  });

  it("inside the caller's own transaction: rolled back leaves no event, committed is processed", async () => {
    const { ctx, recorder, transport } = await testApp(engine);
    const caller = await engine.callerTx();
    try {
      await recorder.record('Order.Created', order(10), { tx: caller.tx });
      await caller.rollback();
      expect(await count(engine.db)).toBe(0);
    } finally {
      await caller.close();
    }
    const again = await engine.callerTx();
    let id: number;
    try {
      id = await recorder.record('Order.Created', order(11), { tx: again.tx });
      // Not visible outside the caller's transaction until it commits.
      expect(await count(engine.db)).toBe(0);
      await again.commit();
    } finally {
      await again.close();
    }
    expect(await count(engine.db, 'id = ?', [id])).toBe(1);
    await runType(ctx, { type: 'Order.Created', trigger: 'immediate' });
    expect(transport.sent.map((m) => m.text)).toEqual(['Sending receipt to o11@shop.example for order #11...']);
  });

  it('inside a drizzle transaction: the event exists iff the transaction commits', async () => {
    const { recorder } = await testApp(engine);
    if (engine.name === 'mysql') {
      const pool = mysql.createPool(engine.url);
      const orm = drizzleMysql(pool);
      try {
        await orm.transaction(async (tx) => {
          await recorder.record('Order.Created', order(20), { tx });
          tx.rollback();
        }).catch(() => undefined);
        expect(await count(engine.db)).toBe(0);
        const id = await orm.transaction(async (tx) => recorder.record('Order.Created', order(21), { tx }));
        expect(await count(engine.db, 'id = ?', [id])).toBe(1);
      } finally {
        await pool.end();
      }
    } else {
      // better-sqlite3 transactions are synchronous: record() issues its
      // statement before its first await, so it lands inside the callback.
      const conn = new Database(engine.url.slice('sqlite:'.length), { timeout: 15_000 });
      const orm = drizzleSqlite(conn);
      try {
        expect(() => orm.transaction((tx) => {
          void recorder.record('Order.Created', order(20), { tx });
          tx.rollback();
        })).toThrow();
        expect(await count(engine.db)).toBe(0);
        let pending: Promise<number> | undefined;
        orm.transaction((tx) => {
          pending = recorder.record('Order.Created', order(21), { tx });
        });
        expect(await count(engine.db, 'id = ?', [await pending!])).toBe(1);
      } finally {
        conn.close();
      }
    }
  });

  it('20 concurrent calls with one idempotency key make one row and return one id', async () => {
    const { recorder } = await testApp(engine);
    const ids = await Promise.all(Array.from({ length: 20 }, (_, i) =>
      recorder.record('Order.Created', order(100 + i), { idempotencyKey: 'checkout-42' })));
    expect(new Set(ids).size).toBe(1);
    expect(await count(engine.db)).toBe(1);
    // The same key under another type is a different event.
    const other = await recorder.record('Purchase.Responded',
      { request_id: 1, customer_email: 'c@x.example', supplier_name: 'ACME', status: 'accepted' }, { idempotencyKey: 'checkout-42' });
    expect(other).not.toBe(ids[0]);
  });

  it('recordMany writes all or nothing and returns ids in input order', async () => {
    const { recorder } = await testApp(engine);
    const bad = await recorder.recordMany([
      { type: 'Order.Created', payload: order(1) },
      { type: 'Order.Created', payload: { email_address: 'x@y.example', order_id: 0 } },
    ]).catch((e) => e);
    expect(bad).toBeInstanceOf(ValidationError);
    expect(bad.issues[0].path).toBe('[1].payload.order_id');
    expect(await count(engine.db)).toBe(0);

    const keyed = await recorder.record('Order.Created', order(5), { idempotencyKey: 'k5' });
    const ids = await recorder.recordMany([
      { type: 'Order.Created', payload: order(1) },
      { type: 'Order.Created', payload: order(5), idempotencyKey: 'k5' },
      { type: 'Order.Created', payload: order(2) },
      { type: 'Order.Created', payload: order(3) },
    ]);
    expect(ids[1]).toBe(keyed);
    const rows = await engine.db.all<{ id: number; recipient: string }>('SELECT id, recipient FROM digest_events');
    const byId = new Map(rows.map((r) => [Number(r.id), r.recipient]));
    expect([ids[0], ids[2], ids[3]].map((id) => byId.get(id!))).toEqual(['o1@shop.example', 'o2@shop.example', 'o3@shop.example']);
    expect(rows).toHaveLength(4);
  });
  it('recordMany keeps given times and defaults the rest to now, in one batch of mixed rows', async () => {
    const { recorder } = await testApp(engine);
    const when = new Date('2031-05-06T07:08:09.123Z');
    const ids = await recorder.recordMany([
      { type: 'Order.Created', payload: order(1) },
      { type: 'Order.Created', payload: order(2), availableAt: when, occurredAt: when },
    ]);
    const rows = await engine.db.all<{ id: number; a: unknown; o: unknown }>(
      'SELECT id, available_at AS a, occurred_at AS o FROM digest_events ORDER BY id');
    const iso = (v: unknown) => new Date(v instanceof Date ? v : `${String(v).replace(' ', 'T')}Z`).toISOString();
    expect(rows.map((r) => Number(r.id))).toEqual(ids);
    expect([iso(rows[1]!.a), iso(rows[1]!.o)]).toEqual([when.toISOString(), when.toISOString()]);
    // The plain row took the column default (the database clock, now), not the other row's time.
    expect(Math.abs(new Date(iso(rows[0]!.a)).getTime() - Date.now())).toBeLessThan(60_000);
  });
});
