import type { Clock } from '../clock.js';
import type { RunnerContext } from '../runner/context.js';
import { runDue } from '../runner/run-due.js';
import { runUrgent } from '../runner/run-urgent.js';
import { loopGuard } from './guard.js';

/**
 * Sends urgent events' recipients' digests (issue 16, run-urgent.ts) and
 * held events as their holds come due (issue 15): polls the flush requests and the due-time
 * index, which is cheap when nothing is due, and passes again at once while
 * there was work. Slots are on the minute, so a poll of a second or so
 * delivers each recipient's digest within about that of their own 09:00.
 */
export async function windowLoop(ctx: RunnerContext, clock: Clock, pollMs: number, signal: AbortSignal) {
  const guard = loopGuard(ctx.lifecycle, clock, 'window');
  while (!signal.aborted) {
    await guard(async () => {
      // Urgent requests first: they send what a recipient has waiting, due or not.
      const runs = [...await runUrgent(ctx, signal), ...await runDue(ctx, signal)];
      if (!runs.some((r) => r.eventsClaimed > 0)) await clock.sleep(pollMs, signal);
    }, signal);
  }
}
