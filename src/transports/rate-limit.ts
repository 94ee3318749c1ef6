import { setTimeout as delay } from 'node:timers/promises';
import { DigestError } from '../errors.js';

/** Milliseconds on a monotonic scale; injected so tests never really sleep. */
export interface RateLimitClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

// performance.now() is monotonic: a wall-clock step back must not stall sends.
const realClock: RateLimitClock = { now: () => performance.now(), sleep: (ms) => delay(ms) };

export interface RateLimiter {
  /** Resolves when the caller may send; callers are let through one at a time, in call order. */
  acquire(): Promise<void>;
}

/**
 * Enforces a fixed gap of 1000/rate ms between consecutive grants — no bursts,
 * because providers that cap "N per second" often count over shorter windows.
 * Concurrent callers queue on one promise chain, and the gap is measured from
 * when the previous caller was actually let through, so a late timer never
 * shrinks it.
 *
 * nodemailer's pool options `rateLimit`/`rateDelta` are not a substitute: they
 * count messages per window and, once the window is over, release every
 * waiting connection at once (smtp-pool `_clearRateLimit`), so sends still
 * come in bursts — with 2 connections even `rateLimit: 1` sends pairs.
 */
export function createRateLimiter(ratePerSecond: number, clock: RateLimitClock = realClock): RateLimiter {
  if (!(ratePerSecond > 0) || !Number.isFinite(ratePerSecond)) {
    throw new DigestError('CONFIG', `ratePerSecond must be a positive number, got ${ratePerSecond}`);
  }
  const gapMs = 1000 / ratePerSecond;
  let lastGrant = -Infinity;
  let tail: Promise<void> = Promise.resolve();

  return {
    acquire() {
      const turn = tail.then(async () => {
        const wait = lastGrant + gapMs - clock.now();
        if (wait > 0) await clock.sleep(wait);
        lastGrant = clock.now();
      });
      // A failed sleep fails only its own caller; the queue behind it moves on.
      tail = turn.catch(() => {});
      return turn;
    },
  };
}
