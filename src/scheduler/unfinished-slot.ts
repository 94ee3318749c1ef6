import type { Cadence } from '../types.js';
import type { RunnerContext } from '../runner/context.js';
import { runType } from '../runner/run.js';
import { closeAbandoned } from '../runner/run-rows.js';
import { selectLastFinishedSlot } from '../store/runs.js';
import { previousSlot } from '../config/slots.js';

/**
 * The type's most recent due slot, if its run has not finished: at start
 * (`startUp`) a slot nobody ran is run now (trigger 'catchup', coalescing
 * everything outstanding); later, only a run that broke off, was stopped
 * (a rolling deploy's SIGTERM) or whose owner died is taken over, so its
 * recipients are not left waiting for the next slot — possibly the next day.
 * A slot older than the due one needs no resume: the due slot's run claims
 * whatever it left outstanding.
 */
export async function runUnfinishedSlot(
  ctx: RunnerContext, type: string, cadence: Cadence, now: Date, startUp: boolean, signal: AbortSignal,
): Promise<void> {
  const due = previousSlot(cadence, now);
  if (!due) return;
  // A heartbeat older than a lease means its owner is gone (it beats every 10 s).
  await closeAbandoned(ctx);
  const last = await selectLastFinishedSlot(ctx.db, type);
  if (last && last.getTime() >= due.getTime()) return;
  await runType(ctx, { type, trigger: 'catchup', slotAt: due, resumeOnly: !startUp }, signal);
}
