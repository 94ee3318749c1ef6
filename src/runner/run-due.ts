import { selectDueHeldTypes } from '../store/event-holds.js';
import type { RunnerContext } from './context.js';
import { runType, type RunSummary } from './run.js';

/**
 * One pass over the events whose hold came due (a recipient's window slot,
 * the end of their quiet hours): a `window` run for each type that has any.
 * Found through the due-time index, so its cost is what is due, not the
 * number of recipients. Replicas run it side by side: the claim's locks and
 * the slot keys make each digest once.
 */
export async function runDue(ctx: RunnerContext, signal?: AbortSignal): Promise<RunSummary[]> {
  const types = (await selectDueHeldTypes(ctx.db, ctx.databaseNow?.())).filter((t) => ctx.config.events[t]);
  const out: RunSummary[] = [];
  for (const type of types) {
    if (signal?.aborted) break;
    out.push(await runType(ctx, { type, trigger: 'window' }, signal));
  }
  return out;
}
