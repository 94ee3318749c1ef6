import { describe, expect, it } from 'vitest';
import { groupCommit } from '../../src/runner/commit.js';

const later = () => new Promise((r) => setTimeout(r, 5));

describe('groupCommit', () => {
  it('commits items that arrive during a flush together in the next one, each getting its own result', async () => {
    const batches: number[][] = [];
    const add = groupCommit(async (items: number[]) => {
      batches.push(items);
      await later();
      return items.map((n) => n * 10);
    });
    const first = add(1);
    await Promise.resolve();
    const rest = [add(2), add(3), add(4)];
    expect(await Promise.all([first, ...rest])).toEqual([10, 20, 30, 40]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it('retries a refused batch one item at a time, so only the bad item fails', async () => {
    const add = groupCommit(async (items: string[]) => {
      if (items.includes('bad')) throw new Error('Data too long');
      return items.map((s) => s.toUpperCase());
    });
    const results = await Promise.allSettled([add('a'), add('bad'), add('c')]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message)))
      .toEqual(['A', 'Data too long', 'C']);
  });

  it('fails the whole batch at once on a lost connection (no point retrying item by item)', async () => {
    let calls = 0;
    const add = groupCommit(async (): Promise<number[]> => {
      calls++;
      throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    });
    const results = await Promise.allSettled([add(1), add(2)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(calls).toBe(1);
  });
});
