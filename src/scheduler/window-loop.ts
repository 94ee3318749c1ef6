import type { Clock } from '../clock.js';
import type { RunnerContext } from '../runner/context.js';
import { runDue } from '../runner/run-due.js';
import { loopGuard } from './guard.js';

/**
 * Sends held events as their holds come due (issue 15): polls the due-time
 * index, which is cheap when nothing is due, and passes again at once while
 * there was work. Slots are on the minute, so a poll of a second or so
 * delivers each recipient's digest within about that of their own 09:00.
 */
export async function windowLoop(ctx: RunnerContext, clock: Clock, pollMs: number, signal: AbortSignal) {
  const guard = loopGuard(ctx.lifecycle, clock, 'window');
  while (!signal.aborted) {
    await guard(async () => {
      const runs = await runDue(ctx, signal);
      if (!runs.some((r) => r.eventsClaimed > 0)) await clock.sleep(pollMs, signal);
    }, signal);
  }
}
