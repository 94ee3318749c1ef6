/**
 * Time is injected: the scheduler asks the clock what time it is and to wait,
 * so tests drive ticks with a fake clock instead of sleeping. Leases and due
 * times do NOT use this clock: they compare against the database clock (which
 * tests replace with an injected time, RunnerContext.databaseNow).
 */
export interface Clock {
  now(): Date;
  /** Resolves after `ms` or as soon as `signal` aborts (never rejects). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => new Date(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const timer = setTimeout(done, Math.max(0, ms));
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    }),
};

/** Seconds from `since` to `now`, never negative (both read from one clock). */
export const ageSeconds = (since: Date, now: Date) => Math.max(0, (now.getTime() - since.getTime()) / 1000);
