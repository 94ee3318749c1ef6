import type { Clock } from '../clock.js';
import type { Lifecycle } from '../lifecycle.js';
import { conflictDelayMs } from '../store/conflict-retry.js';
import { isConflict } from '../store/errors.js';

const codeOf = (err: unknown) => String((err as { code?: unknown; errno?: unknown } | null)?.code ?? (err as { errno?: unknown } | null)?.errno ?? 'unknown');

/**
 * Runs one pass of a loop and keeps the loop alive when it throws (the
 * database is down, say): reports once per change of state, not once per poll,
 * and waits with a growing delay before the next pass.
 *
 * A pass that lost a race with another scheduler every time the store retried
 * it (a deadlock, a Galera certification conflict: row locks are local to a
 * node, so schedulers on different nodes collide at COMMIT) is contention,
 * not a failure: `loop.contended` (warn, once per streak) instead of
 * `loop.failing` (error), and the next pass comes after a short jittered
 * pause rather than the outage back-off.
 */
export function loopGuard(lifecycle: Lifecycle, clock: Clock, loop: string) {
  let failures = 0;
  let contended = 0;
  return async function guard(pass: () => Promise<void>, signal: AbortSignal): Promise<void> {
    try {
      await pass();
      if (failures > 0) lifecycle.emit('loop.recovered', { loop, failures });
      failures = 0;
      contended = 0;
    } catch (err) {
      if (isConflict(err)) {
        if (contended === 0) lifecycle.emit('loop.contended', { loop, code: codeOf(err) });
        contended++;
        await clock.sleep(conflictDelayMs(Math.min(contended, 8)), signal);
        return;
      }
      if (failures === 0) lifecycle.emit('loop.failing', { loop, err: err instanceof Error ? err.message : String(err) });
      failures++;
      // Capped at 1 s: polling a database that is down costs little, and work
      // resumes within about a second of it answering again.
      await clock.sleep(Math.min(1_000, 100 * 2 ** Math.min(failures, 4)), signal);
    }
  };
}
