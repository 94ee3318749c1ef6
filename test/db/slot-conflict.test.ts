/**
 * A tick slot's INSERT that comes back as a conflict (Galera: the losing
 * insert of a certification race is 1213, not 1062). Simulated: the store's
 * executor raises ER_LOCK_DEADLOCK for the digest_runs INSERT.
 */
import { beforeEach, expect, it } from 'vitest';
import type { Executor } from '../../src/store/db.js';
import { insertRun } from '../../src/store/runs.js';
import { describeEngines, truncateAll } from '../support/engines.js';

const certification = () => Object.assign(new Error('WSREP detected deadlock/conflict and aborted the transaction. Try restarting the transaction'),
  { code: 'ER_LOCK_DEADLOCK', errno: 1213 });

/** The engine's executor, except that inserting a run loses a certification race. */
const losingInserts = (ex: Executor): Executor => ({
  dialect: ex.dialect,
  all: (sql, params) => ex.all(sql, params),
  run: (sql, params) => (/^INSERT INTO digest_runs/.test(sql) ? Promise.reject(certification()) : ex.run(sql, params)),
});

describeEngines('a tick slot insert that loses a conflict', (engine) => {
  const slotAt = new Date('2026-11-21T12:00:00Z');
  const run = { eventType: 'Order.Created', slotAt, trigger: 'tick' as const, owner: 'node-b' };

  beforeEach(() => truncateAll(engine.db));

  it('is skipped when the slot row exists (the slot fired on another node)', async () => {
    const winner = await insertRun(engine.db, { ...run, owner: 'node-a' });
    expect(winner).toBeGreaterThan(0);
    await expect(insertRun(losingInserts(engine.db), run)).resolves.toBeNull();
  });

  it('is an error when the slot row does not exist (a conflict that proves nothing): the tick is run again', async () => {
    await expect(insertRun(losingInserts(engine.db), run)).rejects.toMatchObject({ code: 'ER_LOCK_DEADLOCK' });
    expect(await engine.db.all('SELECT id FROM digest_runs')).toEqual([]);
  });

  it('an unslotted run (inside the claim transaction) gives the conflict back unread', async () => {
    await expect(insertRun(losingInserts(engine.db), { ...run, slotAt: null, trigger: 'immediate' })).rejects.toMatchObject({ code: 'ER_LOCK_DEADLOCK' });
  });
});
