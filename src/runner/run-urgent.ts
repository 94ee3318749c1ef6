import { deleteFlush, selectFlushes } from '../store/flushes.js';
import type { RunnerContext } from './context.js';
import { runType, type RunSummary } from './run.js';

/** Requests read per pass: the table holds one row per recipient with an urgent event waiting. */
const FLUSHES_PER_PASS = 500;

/**
 * One pass over the urgent events' flush requests (store/flushes.ts): an
 * `urgent` run of each recipient whose named event is outstanding and due,
 * taking everything they have waiting (claim.ts pool `all`). A request whose
 * event has left the outstanding set — this pass's run took it, or a tick, a
 * window run, a cancel — is dropped on the next pass, and only if it still
 * names that event. Replicas run it side by side: the claim's row locks
 * make each digest once; the loser finds nothing outstanding.
 */
export async function runUrgent(ctx: RunnerContext, signal?: AbortSignal): Promise<RunSummary[]> {
  const out: RunSummary[] = [];
  for (const f of await selectFlushes(ctx.db, FLUSHES_PER_PASS, ctx.databaseNow?.())) {
    if (signal?.aborted) break;
    if (!f.outstanding) await deleteFlush(ctx.db, f);
    // A type this scheduler does not run is left for one that does.
    else if (f.due && ctx.config.events[f.type]) out.push(await runType(ctx, { type: f.type, trigger: 'urgent', recipient: f.recipient }, signal));
  }
  return out;
}
