import { describe, expect, it } from 'vitest';
import { createRateLimiter } from '../../src/transports/rate-limit.js';

/** Time moves only when someone sleeps: each sleep is recorded and jumps the clock forward. */
function fakeClock(start = 1_000) {
  let t = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    advance: (ms: number) => void (t += ms),
    now: () => t,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      t += ms;
    },
  };
}

describe('createRateLimiter', () => {
  it('lets the first caller through at once and spaces the next ones by 1000/rate ms', async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter(10, clock);
    const grants: number[] = [];
    for (let i = 0; i < 3; i++) {
      await limiter.acquire();
      grants.push(clock.now());
    }
    expect(grants).toEqual([1_000, 1_100, 1_200]);
    expect(clock.sleeps).toEqual([100, 100]);
  });

  it('queues concurrent callers in call order, one gap apart (no burst)', async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter(4, clock);
    const grants: Array<[number, number]> = [];
    await Promise.all([0, 1, 2, 3].map((i) => limiter.acquire().then(() => grants.push([i, clock.now()]))));
    expect(grants).toEqual([
      [0, 1_000],
      [1, 1_250],
      [2, 1_500],
      [3, 1_750],
    ]);
  });

  it('waits only for the rest of the gap, and not at all after an idle spell', async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter(10, clock);
    await limiter.acquire();
    clock.advance(30);
    await limiter.acquire();
    expect(clock.sleeps).toEqual([70]);
    clock.advance(500);
    await limiter.acquire();
    expect(clock.sleeps).toEqual([70]);
  });

  it('keeps the queue moving when one caller’s sleep fails', async () => {
    const clock = fakeClock();
    let failNext = false;
    const limiter = createRateLimiter(10, {
      now: clock.now,
      sleep: (ms) => (failNext ? ((failNext = false), Promise.reject(new Error('boom'))) : clock.sleep(ms)),
    });
    await limiter.acquire();
    failNext = true;
    const [second, third] = await Promise.allSettled([limiter.acquire(), limiter.acquire()]);
    expect(second?.status).toBe('rejected');
    expect(third?.status).toBe('fulfilled');
  });

  it('refuses a rate that is not a positive number', () => {
    expect(() => createRateLimiter(0)).toThrow(/ratePerSecond/);
    expect(() => createRateLimiter(-1)).toThrow(/ratePerSecond/);
    expect(() => createRateLimiter(Number.NaN)).toThrow(/ratePerSecond/);
  });
});
