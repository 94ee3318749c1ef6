import { finishRun, insertRun, type RunCounts, type RunTrigger } from '../store/runs.js';
import { claimPage } from './claim.js';
import type { RunnerContext } from './context.js';
import { deliverAll } from './deliver-all.js';
import { persist } from './persist.js';

export interface RunRequest {
  type: string;
  trigger: RunTrigger;
  /** The scheduled instant, for ticks and catch-ups (the unique key). */
  slotAt?: Date;
  /** Only this recipient's events (run now --recipient). */
  recipient?: string;
}

export interface RunSummary extends RunCounts {
  runId: number | null;
  /** The slot already fired elsewhere (another replica, a restart). */
  skipped: boolean;
}

/** Processes every outstanding event of one type, page by page, then records the run's outcome. */
export async function runType(ctx: RunnerContext, req: RunRequest, signal?: AbortSignal): Promise<RunSummary> {
  const log = ctx.logger.child({ type: req.type, trigger: req.trigger });
  const started = performance.now();
  const counts: RunCounts = { eventsClaimed: 0, deliveriesCreated: 0, deliveriesSent: 0, deliveriesFailed: 0 };
  let runId: number | null = null;
  if (req.slotAt) {
    runId = await insertRun(ctx.db, { eventType: req.type, slotAt: req.slotAt, trigger: req.trigger, owner: ctx.owner });
    if (runId == null) {
      log.info({ evt: 'run.skipped', slotAt: req.slotAt.toISOString(), reason: 'slot already taken' });
      return { runId, skipped: true, ...counts };
    }
    log.info({ evt: 'run.started', runId, slotAt: req.slotAt.toISOString() });
  }
  try {
    let after: string | null = null;
    // Stop claiming on abort; deliverAll finishes what is in flight and hands back the rest.
    while (!signal?.aborted) {
      const page = await claimPage(ctx, { type: req.type, runId, trigger: req.trigger, after, recipient: req.recipient });
      if (page.done) break;
      if (runId == null && page.runId != null) {
        runId = page.runId;
        log.info({ evt: 'run.started', runId });
      }
      after = page.last;
      counts.eventsClaimed += page.events;
      counts.deliveriesCreated += page.deliveries.length;
      for (const outcome of await deliverAll(ctx, page.deliveries, signal)) {
        if (outcome === 'sent') counts.deliveriesSent++;
        else if (outcome !== 'lost') counts.deliveriesFailed++;
      }
    }
  } catch (err) {
    // A poll that claimed nothing is not a run: the loop's guard reports the
    // outage (once per change of state), so nothing is logged here for it.
    if (runId != null) {
      await persist(() => finishRun(ctx.db, runId!, 'failed', counts, String(err))).catch(() => undefined);
      log.error({ evt: 'run.failed', runId, err: err instanceof Error ? err.message : String(err) });
    }
    throw err;
  }
  if (runId != null) {
    const status = signal?.aborted ? 'stopped' : counts.deliveriesFailed > 0 ? 'failed' : 'succeeded';
    await persist(() => finishRun(ctx.db, runId!, status, counts, null));
    log.info({ evt: 'run.finished', runId, ...counts });
  }
  const summary = { runId, skipped: false, ...counts };
  ctx.metrics?.observeRun(req.type, req.trigger, (performance.now() - started) / 1000, summary);
  return summary;
}
