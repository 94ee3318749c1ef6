import type { Clock } from '../clock.js';
import type { RunnerContext } from '../runner/context.js';
import { runType } from '../runner/run.js';
import { loopGuard } from './guard.js';
import { Wakeup } from './wakeup.js';
import type { WorkerLanes } from './worker-lanes.js';

/**
 * With peers, how often a pass goes on past this scheduler's own recipients
 * (runner/run.ts): bounds the wait of a range whose scheduler stopped
 * claiming (its transport paused, its node gone) until the heartbeat tells.
 */
export const SWEEP_EVERY_MS = 5_000;

/**
 * An `immediate` type: poll, and when a pass found work poll again at once
 * (events may have arrived meanwhile); sleep `pollMs` only when idle. Several
 * replicas poll safely: SKIP LOCKED divides the events between them on one
 * server, and `lanes` (each replica's own recipients first) across the nodes
 * of a multi-primary cluster, where locks are per node.
 * `wakeup` cuts the idle sleep short when this process records events of the
 * type itself (see Wakeup); the poll stays for everyone else's events.
 */
export async function immediateLoop(
  ctx: RunnerContext, type: string, clock: Clock, pollMs: number, signal: AbortSignal, wakeup = new Wakeup(), lanes?: WorkerLanes,
) {
  const guard = loopGuard(ctx.lifecycle, clock, `immediate:${type}`);
  let sweptAt = clock.now().getTime();
  while (!signal.aborted) {
    await guard(async () => {
      const woken = wakeup.take();
      const now = clock.now().getTime();
      const sweep = now - sweptAt >= SWEEP_EVERY_MS;
      if (sweep) sweptAt = now;
      const summary = await runType(ctx, { type, trigger: 'immediate', woken, lane: lanes?.current(), sweep }, signal);
      if (summary.eventsClaimed === 0) await wakeup.sleep(clock, pollMs, signal);
    }, signal);
  }
}
