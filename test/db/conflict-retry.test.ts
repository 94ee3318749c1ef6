/**
 * Real InnoDB deadlocks against the Db: two connections lock two rows in
 * opposite order. The other connection is made the heavier transaction
 * (InnoDB rolls back the lighter one), so the victim is always ours, and the
 * test can watch it being run again and committing.
 */
import mysql from 'mysql2/promise';
import { beforeEach, expect, it } from 'vitest';
import type { ConflictRetried } from '../../src/store/conflict-retry.js';
import { describeEngines } from '../support/engines.js';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describeEngines('conflicts retried', (engine) => {
  let other: mysql.Connection;

  beforeEach(async () => {
    await engine.db.run('CREATE TABLE IF NOT EXISTS t_pair (id INT PRIMARY KEY, v INT NOT NULL)');
    await engine.db.run('CREATE TABLE IF NOT EXISTS t_weight (id INT AUTO_INCREMENT PRIMARY KEY)');
    await engine.db.run('DELETE FROM t_pair');
    await engine.db.run('INSERT INTO t_pair (id, v) VALUES (1, 0), (2, 0)');
    other = await mysql.createConnection(engine.url);
    return async () => { await other.end(); };
  });

  /** The other connection's transaction, made heavy so InnoDB picks ours as the deadlock victim. */
  async function heavyTransactionHolding(id: number) {
    await other.beginTransaction();
    await other.query(`INSERT INTO t_weight () VALUES ${Array(200).fill('()').join(', ')}`);
    await other.query('UPDATE t_pair SET v = v + 10 WHERE id = ?', [id]);
  }

  it('a deadlocked transaction is rolled back, run again, and commits; the retry is reported', async () => {
    const seen: ConflictRetried[] = [];
    const off = engine.db.onConflict((c) => seen.push(c));
    try {
      await heavyTransactionHolding(2);
      let attempts = 0;
      let theirs: Promise<unknown> | undefined;
      await engine.db.transaction(async (tx) => {
        attempts++;
        await tx.run('UPDATE t_pair SET v = v + 1 WHERE id = 1');
        if (attempts === 1) {
          // They now want row 1 (ours) while holding row 2; we then want row 2.
          theirs = other.query('UPDATE t_pair SET v = v + 10 WHERE id = 1').then(() => other.commit());
          await pause(200);
        }
        await tx.run('UPDATE t_pair SET v = v + 1 WHERE id = 2');
      });
      await theirs;
      expect(attempts).toBe(2);
      expect(seen).toEqual([expect.objectContaining({ scope: 'transaction', attempt: 1, code: 'ER_LOCK_DEADLOCK' })]);
      // Both transactions' updates landed, ours once.
      expect(await engine.db.all('SELECT id, v FROM t_pair ORDER BY id')).toEqual([{ id: 1, v: 11 }, { id: 2, v: 11 }]);
    } finally {
      off();
    }
  });

  it('a deadlocked autocommit statement outside a transaction (record()\'s INSERT) is run again', async () => {
    const seen: ConflictRetried[] = [];
    const off = engine.db.onConflict((c) => seen.push(c));
    try {
      await heavyTransactionHolding(2);
      // One statement locking row 1 (a scan in key order), then waiting for row 2.
      const ours = engine.db.run('UPDATE t_pair SET v = v + 1');
      await pause(200);
      await other.query('UPDATE t_pair SET v = v + 10 WHERE id = 1');
      await other.commit();
      await expect(ours).resolves.toMatchObject({ affectedRows: 2 });
      expect(seen).toEqual([expect.objectContaining({ scope: 'statement', attempt: 1, code: 'ER_LOCK_DEADLOCK' })]);
      expect(await engine.db.all('SELECT id, v FROM t_pair ORDER BY id')).toEqual([{ id: 1, v: 11 }, { id: 2, v: 11 }]);
    } finally {
      off();
    }
  });
}, ['mysql']);
