/**
 * record() meets a real InnoDB deadlock on its INSERT. The other connection
 * inserts the same idempotency key uncommitted (our INSERT then waits for
 * that key, holding its own new row), then reads our new row FOR UPDATE: a
 * cycle. The other transaction is made heavier, so ours is the victim.
 */
import mysql from 'mysql2/promise';
import { beforeEach, expect, it } from 'vitest';
import type { ConflictRetried } from '../../src/store/conflict-retry.js';
import { describeEngines, truncateAll } from '../support/engines.js';
import { testApp } from '../support/app.js';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const order = (n: number) => ({ email_address: `o${n}@shop.example`, order_id: n });

describeEngines('record() and conflicts', (engine) => {
  let other: mysql.Connection;

  beforeEach(async () => {
    await truncateAll(engine.db);
    await engine.db.run('CREATE TABLE IF NOT EXISTS t_weight (id INT AUTO_INCREMENT PRIMARY KEY)');
    other = await mysql.createConnection(engine.url);
    return async () => { await other.end(); };
  });

  /** The other connection takes key `key` (uncommitted), in a transaction heavier than ours. */
  async function otherTakesKey(key: string): Promise<number> {
    await other.beginTransaction();
    await other.query(`INSERT INTO t_weight () VALUES ${Array(200).fill('()').join(', ')}`);
    const [res] = await other.query<mysql.ResultSetHeader>(
      "INSERT INTO digest_events (type, recipient, payload, idempotency_key) VALUES ('Order.Created', 'o1@shop.example', '{\"email_address\":\"o1@shop.example\",\"order_id\":1}', ?)", [key]);
    return res.insertId;
  }

  /** Then locks every row after its own: our waiting INSERT's new row among them. */
  async function otherClosesTheCycle(after: number) {
    await other.query('SELECT id FROM digest_events WHERE id > ? FOR UPDATE', [after]);
  }

  it('outside a transaction: the deadlocked INSERT is run again, and the key gives the id of the row that won', async () => {
    const { recorder } = await testApp(engine);
    const seen: ConflictRetried[] = [];
    const off = engine.db.onConflict((c) => seen.push(c));
    try {
      const theirs = await otherTakesKey('k-1');
      const ours = recorder.record('Order.Created', order(1), { idempotencyKey: 'k-1' });
      await pause(200);
      await otherClosesTheCycle(theirs);
      await other.commit();
      await expect(ours).resolves.toBe(theirs);
      expect(seen).toEqual([expect.objectContaining({ scope: 'statement', attempt: 1, code: 'ER_LOCK_DEADLOCK' })]);
      expect(await engine.db.all("SELECT id FROM digest_events WHERE idempotency_key = 'k-1'")).toEqual([{ id: theirs }]);
    } finally {
      off();
    }
  });

  it("inside the caller's transaction: the conflict reaches the caller unchanged, and nothing is retried", async () => {
    const { recorder } = await testApp(engine);
    const seen: ConflictRetried[] = [];
    const off = engine.db.onConflict((c) => seen.push(c));
    const caller = await engine.callerTx();
    try {
      const theirs = await otherTakesKey('k-2');
      const ours = recorder.record('Order.Created', order(2), { idempotencyKey: 'k-2', tx: caller.tx }).catch((e: unknown) => e);
      await pause(200);
      await otherClosesTheCycle(theirs);
      await other.commit();
      expect(await ours).toMatchObject({ code: 'ER_LOCK_DEADLOCK', errno: 1213 });
      expect(seen).toEqual([]);
      await caller.rollback();
    } finally {
      off();
      await caller.close();
    }
  });
}, ['mysql']);
