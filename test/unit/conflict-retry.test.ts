import { describe, expect, it } from 'vitest';
import {
  CONFLICT_ATTEMPTS, conflictDelayMs, createConflictReporter, type ConflictRetried, retryConflicts, retryingExecutor,
} from '../../src/store/conflict-retry.js';
import type { Executor } from '../../src/store/db.js';

const deadlock = () => Object.assign(new Error('Deadlock found when trying to get lock'), { code: 'ER_LOCK_DEADLOCK', errno: 1213 });
const noSleep = async () => undefined;

function watched() {
  const reporter = createConflictReporter();
  const seen: ConflictRetried[] = [];
  reporter.on((c) => seen.push(c));
  return { reporter, seen };
}

describe('conflictDelayMs', () => {
  it('grows from 5 ms to a 50 ms cap, jittered between half and all of it', () => {
    expect([1, 2, 3, 4, 5, 7].map((n) => conflictDelayMs(n, () => 1))).toEqual([5, 10, 20, 40, 50, 50]);
    expect([1, 4, 7].map((n) => conflictDelayMs(n, () => 0))).toEqual([3, 20, 25]);
    // Every pause of one call's retries together stays well under a second.
    const worst = Array.from({ length: CONFLICT_ATTEMPTS - 1 }, (_, i) => conflictDelayMs(i + 1, () => 1)).reduce((a, b) => a + b);
    expect(worst).toBeLessThan(1_000);
  });
});

describe('retryConflicts', () => {
  it('runs the work again after a conflict and reports each retry with its attempt and code', async () => {
    const { reporter, seen } = watched();
    let calls = 0;
    const got = await retryConflicts('transaction', reporter, async () => {
      if (++calls < 3) throw deadlock();
      return 'done';
    }, { sleep: noSleep, random: () => 1 });
    expect(got).toBe('done');
    expect(seen).toEqual([
      { scope: 'transaction', attempt: 1, code: 'ER_LOCK_DEADLOCK', retryInMs: 5 },
      { scope: 'transaction', attempt: 2, code: 'ER_LOCK_DEADLOCK', retryInMs: 10 },
    ]);
  });

  it('gives the conflict to the caller after the last attempt', async () => {
    const { reporter, seen } = watched();
    let calls = 0;
    await expect(retryConflicts('transaction', reporter, async () => { calls++; throw deadlock(); }, { sleep: noSleep }))
      .rejects.toMatchObject({ code: 'ER_LOCK_DEADLOCK' });
    expect(calls).toBe(CONFLICT_ATTEMPTS);
    expect(seen).toHaveLength(CONFLICT_ATTEMPTS - 1);
  });

  it('never retries what is not a conflict (a duplicate key, a lost connection)', async () => {
    const { reporter, seen } = watched();
    for (const code of ['ER_DUP_ENTRY', 'PROTOCOL_CONNECTION_LOST']) {
      let calls = 0;
      await expect(retryConflicts('statement', reporter, async () => { calls++; throw Object.assign(new Error(code), { code }); }, { sleep: noSleep }))
        .rejects.toMatchObject({ code });
      expect(calls).toBe(1);
    }
    expect(seen).toEqual([]);
  });

  it('a throwing subscriber does not break the retry', async () => {
    const reporter = createConflictReporter();
    reporter.on(() => { throw new Error('observer bug'); });
    let calls = 0;
    await expect(retryConflicts('statement', reporter, async () => (++calls < 2 ? Promise.reject(deadlock()) : calls), { sleep: noSleep })).resolves.toBe(2);
  });
});

describe('retryingExecutor', () => {
  it('retries each statement on its own and keeps the dialect', async () => {
    const { reporter, seen } = watched();
    const ran: string[] = [];
    let fail = true;
    const inner: Executor = {
      dialect: 'mysql',
      all: async <T>(sql: string) => { ran.push(sql); return [] as T[]; },
      run: async (sql: string) => {
        ran.push(sql);
        if (fail) { fail = false; throw deadlock(); }
        return { affectedRows: 1, insertId: 9 };
      },
    };
    const ex = retryingExecutor(inner, reporter, { sleep: noSleep });
    expect(ex.dialect).toBe('mysql');
    await expect(ex.run('INSERT 1')).resolves.toEqual({ affectedRows: 1, insertId: 9 });
    await ex.all('SELECT 1');
    expect(ran).toEqual(['INSERT 1', 'INSERT 1', 'SELECT 1']);
    expect(seen.map((c) => [c.scope, c.attempt])).toEqual([['statement', 1]]);
  });
});
