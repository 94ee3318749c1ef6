import type { Clock } from '../clock.js';
import type { Cadence } from '../config/types.js';
import type { RunnerContext } from '../runner/context.js';
import { runType } from '../runner/run.js';
import { selectLastSlot } from '../store/runs.js';
import { nextSlot, previousSlot } from './cadence.js';
import { loopGuard } from './guard.js';
import { sleepUntil } from './sleep-until.js';

/**
 * A cron / `every` type: one run per slot. Every replica runs this loop; the
 * unique (event_type, slot_at) row decides which one actually runs the slot.
 * Slots come from our own luxon slot math (the same that `digest check`
 * prints), so what ops see is what fires, DST days included.
 */
export async function tickLoop(ctx: RunnerContext, type: string, cadence: Cadence, clock: Clock, signal: AbortSignal): Promise<void> {
  const guard = loopGuard(ctx.logger, clock, `tick:${type}`);
  // Catch-up: the process was down over a slot. Run the most recent due slot
  // once (trigger 'catchup'), coalescing everything outstanding.
  // `cursor` is the instant the catch-up looked at, read BEFORE its database
  // work: reading the clock afterwards would skip a slot that fell due while
  // the catch-up ran (start at 11:59:59.9, catch-up done at 12:00:00.1).
  let caughtUp = false;
  let cursor = clock.now();
  while (!caughtUp && !signal.aborted) {
    await guard(async () => {
      cursor = clock.now();
      const due = previousSlot(cadence, cursor);
      const last = await selectLastSlot(ctx.db, type);
      if (due && (!last || last.getTime() < due.getTime())) {
        await runType(ctx, { type, trigger: 'catchup', slotAt: due }, signal);
      }
      caughtUp = true;
    }, signal);
  }
  while (!signal.aborted) {
    const slot = nextSlot(cadence, cursor);
    if (!slot) return;
    await sleepUntil(clock, slot, signal);
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
