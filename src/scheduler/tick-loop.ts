import type { Clock } from '../clock.js';
import type { Cadence } from '../types.js';
import type { RunnerContext } from '../runner/context.js';
import { runType } from '../runner/run.js';
import { nextSlot } from '../config/slots.js';
import { loopGuard } from './guard.js';
import { sleepUntil } from './sleep-until.js';
import { runUnfinishedSlot } from './unfinished-slot.js';

/** How often a waiting tick loop looks for an unfinished slot run to take over. */
export const RESUME_CHECK_MS = 30_000;

/**
 * A cron / `every` type: one run per slot. Every replica runs this loop; the
 * unique (event_type, slot_at) row decides which one actually runs the slot.
 * Slots come from our own luxon slot math (the same that `digest check`
 * prints), so what ops see is what fires, DST days included.
 */
export async function tickLoop(ctx: RunnerContext, type: string, cadence: Cadence, clock: Clock, signal: AbortSignal): Promise<void> {
  const guard = loopGuard(ctx.lifecycle, clock, `tick:${type}`);
  // Catch-up: the process was down over a slot, or the slot's run did not
  // finish. Run the most recent due slot once (trigger 'catchup'),
  // coalescing everything outstanding.
  // `cursor` is the instant the catch-up looked at, read BEFORE its database
  // work: reading the clock afterwards would skip a slot that fell due while
  // the catch-up ran (start at 11:59:59.9, catch-up done at 12:00:00.1).
  let caughtUp = false;
  let cursor = clock.now();
  while (!caughtUp && !signal.aborted) {
    await guard(async () => {
      cursor = clock.now();
      await runUnfinishedSlot(ctx, type, cadence, cursor, true, signal);
      caughtUp = true;
    }, signal);
  }
  while (!signal.aborted) {
    const slot = nextSlot(cadence, cursor);
    if (!slot) return;
    // While waiting, look now and then for a slot run that another scheduler
    // left unfinished (stopped by a deploy, died) and resume it.
    for (let left = slot.getTime() - clock.now().getTime(); left > 0 && !signal.aborted; left = slot.getTime() - clock.now().getTime()) {
      await sleepUntil(clock, new Date(clock.now().getTime() + Math.min(left, RESUME_CHECK_MS)), signal);
      if (clock.now().getTime() < slot.getTime() && !signal.aborted) {
        await guard(() => runUnfinishedSlot(ctx, type, cadence, clock.now(), false, signal), signal);
      }
    }
    if (signal.aborted) return;
    let done = false;
    while (!done && !signal.aborted) {
      await guard(async () => {
        await runType(ctx, { type, trigger: 'tick', slotAt: slot }, signal);
        done = true;
      }, signal);
    }
    cursor = slot;
  }
}
