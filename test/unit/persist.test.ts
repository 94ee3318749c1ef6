import { describe, expect, it } from 'vitest';
import { persist } from '../../src/runner/commit.js';

const fails = (code: string, times: number) => {
  let calls = 0;
  return { write: async () => { if (++calls <= times) throw Object.assign(new Error(code), { code }); return calls; }, calls: () => calls };
};

describe('persist', () => {
  it('a write that keeps losing races (a conflict past the store retries) is waited out, not dropped', async () => {
    const w = fails('ER_LOCK_DEADLOCK', 2);
    await expect(persist(w.write)).resolves.toBe(3);
  });

  it('a lost connection is waited out too; a statement error is not', async () => {
    await expect(persist(fails('ECONNRESET', 1).write)).resolves.toBe(2);
    const dup = fails('ER_DUP_ENTRY', 1);
    await expect(persist(dup.write)).rejects.toMatchObject({ code: 'ER_DUP_ENTRY' });
    expect(dup.calls()).toBe(1);
  });
});
