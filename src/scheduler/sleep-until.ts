import type { Clock } from '../clock.js';

/**
 * Waits until the clock reaches `at`, in bounded steps: a long wait re-reads
 * the clock every minute, so a suspended host or a clock step is noticed, and
 * setTimeout's 24.8-day limit never matters.
 */
export async function sleepUntil(clock: Clock, at: Date, signal: AbortSignal): Promise<void> {
  for (let left = at.getTime() - clock.now().getTime(); left > 0 && !signal.aborted; left = at.getTime() - clock.now().getTime()) {
    await clock.sleep(Math.min(left, 60_000), signal);
  }
}
