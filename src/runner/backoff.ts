/** Cap of one retry delay: with 20 attempts (the default) the schedule spans more than a day. */
export const DEFAULT_BACKOFF_MAX_MS = 6 * 3_600_000;

/**
 * Exponential backoff with "equal jitter": half the delay is fixed, half
 * random, so retries of many deliveries that failed together spread out
 * instead of hitting a recovering server at the same instant.
 */
export function backoffMs(attempt: number, opts: { baseMs?: number; maxMs?: number; random?: () => number } = {}): number {
  const base = opts.baseMs ?? 10_000;
  const max = opts.maxMs ?? DEFAULT_BACKOFF_MAX_MS;
  const delay = Math.min(max, base * 2 ** Math.max(0, attempt - 1));
  return Math.round(delay / 2 + (delay / 2) * (opts.random ?? Math.random)());
}
