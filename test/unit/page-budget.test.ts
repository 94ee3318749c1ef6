import { describe, expect, it } from 'vitest';
import { fitPage, nextCandidates } from '../../src/runner/page-budget.js';

const r = (recipient: string, outstanding: number) => ({ recipient, outstanding });

describe('fitPage', () => {
  it('takes leading recipients while their events fit, counting each at most one delivery', () => {
    const page = fitPage([r('a', 400), r('b', 5000), r('c', 500), r('d', 200)], 1000, 2000);
    // a 400 + b (capped) 1000 + c 500 = 1900; d would make 2100.
    expect(page.map((x) => x.recipient)).toEqual(['a', 'b', 'c']);
  });

  it('always takes the first recipient, however large', () => {
    expect(fitPage([r('a', 50_000), r('b', 1)], 1000, 500).map((x) => x.recipient)).toEqual(['a']);
  });

  it('takes everything that fits, and nothing from nothing', () => {
    expect(fitPage([r('a', 1), r('b', 2)], 1000, 10)).toHaveLength(2);
    expect(fitPage([], 1000, 10)).toEqual([]);
  });
});

describe('nextCandidates', () => {
  it('reads half again as many as a page cut by its event budget took, twice as many when all fit, never over batchSize', () => {
    // 128 read, 25 taken (200 events each fill 5,000): 25 + 13 + 1.
    expect(nextCandidates(128, 25, 1000)).toBe(39);
    expect(nextCandidates(64, 64, 1000)).toBe(128);
    expect(nextCandidates(800, 800, 1000)).toBe(1000);
    expect(nextCandidates(1, 1, 1)).toBe(1);
  });
});
