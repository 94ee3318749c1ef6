import type { Clock } from '../clock.js';
import type { RunnerContext } from '../runner/context.js';
import { runType } from '../runner/run.js';
import { loopGuard } from './guard.js';

/**
 * An `immediate` type: poll, and when a pass found work poll again at once
 * (events may have arrived meanwhile); sleep `pollMs` only when idle. Several
 * replicas poll safely: SKIP LOCKED divides the events between them.
 */
export async function immediateLoop(ctx: RunnerContext, type: string, clock: Clock, pollMs: number, signal: AbortSignal) {
  const guard = loopGuard(ctx.lifecycle, clock, `immediate:${type}`);
  while (!signal.aborted) {
    await guard(async () => {
      const summary = await runType(ctx, { type, trigger: 'immediate' }, signal);
      if (summary.eventsClaimed === 0) await clock.sleep(pollMs, signal);
    }, signal);
  }
}
