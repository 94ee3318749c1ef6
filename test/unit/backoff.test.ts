import { describe, expect, it } from 'vitest';
import { parseSchedules } from '../../src/config/schedules.js';
import { backoffMs } from '../../src/runner/backoff.js';

const HOUR = 3_600_000;

/** Time from the first failed attempt to `dead`: the delays after attempts 1 … maxAttempts-1. */
const span = (maxAttempts: number, random: () => number) =>
  Array.from({ length: maxAttempts - 1 }, (_, i) => backoffMs(i + 1, { random })).reduce((a, b) => a + b, 0);

describe('the default retry schedule', () => {
  const { maxAttempts } = parseSchedules('transports: { c: { kind: console } }\nevents: { T: { cadence: immediate, transport: c } }', {}, '.').events.T!;

  it('spans at least 24 hours before dead, even when every jitter draw is the shortest', () => {
    expect(maxAttempts).toBe(20);
    expect(span(maxAttempts, () => 0)).toBeGreaterThanOrEqual(24 * HOUR);
    expect(span(maxAttempts, () => 1)).toBeLessThan(60 * HOUR);
  });

  it('starts at 10 s, doubles, and caps one delay at 6 h', () => {
    const top = (attempt: number) => backoffMs(attempt, { random: () => 1 });
    expect([1, 2, 3, 12, 13, 19].map(top)).toEqual([10_000, 20_000, 40_000, 20_480_000, 6 * HOUR, 6 * HOUR]);
    expect(backoffMs(13, { random: () => 0 })).toBe(3 * HOUR);
  });
});
