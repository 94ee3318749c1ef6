import type { Clock } from '../clock.js';
import type { Lifecycle } from '../lifecycle.js';

/**
 * Runs one pass of a loop and keeps the loop alive when it throws (the
 * database is down, say): reports once per change of state, not once per poll,
 * and waits with a growing delay before the next pass.
 */
export function loopGuard(lifecycle: Lifecycle, clock: Clock, loop: string) {
  let failures = 0;
  return async function guard(pass: () => Promise<void>, signal: AbortSignal): Promise<void> {
    try {
      await pass();
      if (failures > 0) lifecycle.emit('loop.recovered', { loop, failures });
      failures = 0;
    } catch (err) {
      if (failures === 0) lifecycle.emit('loop.failing', { loop, err: err instanceof Error ? err.message : String(err) });
      failures++;
      // Capped at 1 s: polling a database that is down costs little, and work
      // resumes within about a second of it answering again.
      await clock.sleep(Math.min(1_000, 100 * 2 ** Math.min(failures, 4)), signal);
    }
  };
}
