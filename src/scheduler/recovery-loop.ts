import type { Clock } from '../clock.js';
import type { RunnerContext } from '../runner/context.js';
import { recoverDeliveries } from '../runner/recover.js';
import { loopGuard } from './guard.js';

/** Re-sends due retries and expired leases, whatever the types' cadences. */
export async function recoveryLoop(ctx: RunnerContext, clock: Clock, pollMs: number, signal: AbortSignal) {
  const guard = loopGuard(ctx.lifecycle, clock, 'recovery');
  while (!signal.aborted) {
    await guard(async () => {
      const outcomes = await recoverDeliveries(ctx, 50, signal);
      if (outcomes.length === 0) await clock.sleep(pollMs, signal);
    }, signal);
  }
}
