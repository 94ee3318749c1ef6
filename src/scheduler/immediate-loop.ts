import type { Clock } from '../clock.js';
import type { RunnerContext } from '../runner/context.js';
import { runType } from '../runner/run.js';
import { loopGuard } from './guard.js';
import { Wakeup } from './wakeup.js';

/**
 * An `immediate` type: poll, and when a pass found work poll again at once
 * (events may have arrived meanwhile); sleep `pollMs` only when idle. Several
 * replicas poll safely: SKIP LOCKED divides the events between them.
 * `wakeup` cuts the idle sleep short when this process records events of the
 * type itself (see Wakeup); the poll stays for everyone else's events.
 */
export async function immediateLoop(
  ctx: RunnerContext, type: string, clock: Clock, pollMs: number, signal: AbortSignal, wakeup = new Wakeup(),
) {
  const guard = loopGuard(ctx.lifecycle, clock, `immediate:${type}`);
  while (!signal.aborted) {
    await guard(async () => {
      const woken = wakeup.take();
      const summary = await runType(ctx, { type, trigger: 'immediate', woken }, signal);
      if (summary.eventsClaimed === 0) await wakeup.sleep(clock, pollMs, signal);
    }, signal);
  }
}
