import type { RecipientLane } from '../store/event-claims.js';
import type { RunCounts, RunTrigger } from '../types.js';
import { type ClaimedPage, claimPage } from './claim.js';
import { circuitOf } from './circuits.js';
import { type RunnerContext, typeConfig } from './context.js';
import { deliverAll } from './deliver-all.js';
import { closeRun, openSlotRun } from './run-rows.js';

export interface RunRequest {
  type: string;
  trigger: RunTrigger;
  /** The scheduled instant, for ticks and catch-ups (the unique key). */
  slotAt?: Date;
  /** Only this recipient's events (run now --recipient). */
  recipient?: string;
  /** Only take over the slot's unfinished run (a periodic check): never insert it, and say nothing when there is none. */
  resumeOnly?: boolean;
  /** This process just recorded events of the type (scheduler/wakeup.ts): claim without peeking first. */
  woken?: boolean;
  /** Immediate runs of a scheduler with peers: its own hash range of recipients first (scheduler/worker-lanes.ts). */
  lane?: Lane;
  /** With `lane`: go on to the other recipients even when the own range had work (the loop asks every few seconds). */
  sweep?: boolean;
  /** After each page is sent: the counts so far, over this run and its follow-ups (the CLI's progress line). */
  onProgress?: (progress: RunProgress) => void;
}

/** How far a runType call has come: `runs` is the run under way (1, then its follow-ups). */
export interface RunProgress extends RunCounts {
  runs: number;
}

/** This scheduler's share of the recipients: hash range `index` of `count`. */
export type Lane = Omit<RecipientLane, 'inside'>;

const COUNTS = ['eventsClaimed', 'deliveriesCreated', 'deliveriesSent', 'deliveriesFailed'] as const satisfies ReadonlyArray<keyof RunCounts>;

export interface RunSummary extends RunCounts {
  runId: number | null;
  /** The slot already fired elsewhere (another replica, a restart). */
  skipped: boolean;
}

/**
 * Processes every outstanding event of one type. A recipient with more
 * events than one delivery takes (1,000) gets its oldest in this run; the
 * rest go out now, in follow-up runs (trigger `followup`), rather than one
 * delivery per tick. The immediate loop needs none: it runs again at once.
 * Returns the first run's id with the counts of all of them.
 */
export async function runType(ctx: RunnerContext, req: RunRequest, signal?: AbortSignal): Promise<RunSummary> {
  // The immediate loop leaves events unclaimed while their transport is
  // paused: claimed now they would only be marked back to wait. It claims
  // again once a probe is due (the probe may be one of them). Ticks claim
  // anyway: their slot is used now, and what cannot go out waits as deliveries.
  if (req.trigger === 'immediate' && circuitOf(ctx, typeConfig(ctx, req.type).transport).paused()) {
    return { runId: null, skipped: false, eventsClaimed: 0, deliveriesCreated: 0, deliveriesSent: 0, deliveriesFailed: 0 };
  }
  let runs = 1;
  const before: RunCounts = { eventsClaimed: 0, deliveriesCreated: 0, deliveriesSent: 0, deliveriesFailed: 0 };
  const progress = req.onProgress && ((counts: RunCounts) => {
    const p: RunProgress = { runs, ...before };
    for (const k of COUNTS) p[k] += counts[k];
    req.onProgress!(p);
  });
  const { leftover, ...first } = await runOnce(ctx, req, signal, progress);
  const total = { ...first };
  // The immediate and window loops need none: they run again at once (what is left is still due).
  for (let more = leftover; more && req.trigger !== 'immediate' && req.trigger !== 'window' && !signal?.aborted;) {
    for (const k of COUNTS) before[k] = total[k];
    runs++;
    const next = await runOnce(ctx, { type: req.type, trigger: 'followup', recipient: req.recipient }, signal, progress);
    for (const k of COUNTS) total[k] += next[k];
    more = next.leftover;
  }
  return total;
}

/** One run: page by page, then records its outcome. */
async function runOnce(
  ctx: RunnerContext, req: RunRequest, signal?: AbortSignal, progress?: (counts: RunCounts) => void,
): Promise<RunSummary & { leftover: boolean }> {
  const run = { type: req.type, trigger: req.trigger };
  const started = performance.now();
  const counts: RunCounts = { eventsClaimed: 0, deliveriesCreated: 0, deliveriesSent: 0, deliveriesFailed: 0 };
  let runId: number | null = null;
  let resumed = false;
  if (req.slotAt) {
    const opened = await openSlotRun(ctx, run, req.slotAt, req.resumeOnly);
    if (!opened) return { runId, skipped: true, leftover: false, ...counts };
    ({ runId, resumed } = opened);
  }
  // With a lane, the run takes its own hash range of recipients first, then
  // the others' when its own had nothing (or the loop asks for a sweep, so a
  // range whose scheduler stopped claiming waits seconds, not until its
  // heartbeat goes stale). The two passes are disjoint: a recipient is still
  // taken at most once per run.
  let lane: RecipientLane | undefined = req.lane ? { ...req.lane, inside: true } : undefined;
  const claim = (after: string | null, candidates?: number) => {
    const next = claimPage(ctx, { type: req.type, runId, trigger: req.trigger, after, recipient: req.recipient, resumed, candidates, woken: req.woken, lane });
    next.catch(() => undefined); // awaited in the loop, or handed back on failure (below)
    return next;
  };
  const othersNext = (page: ClaimedPage) => {
    if (!lane?.inside || page.idle || signal?.aborted || !(req.sweep || counts.eventsClaimed === 0)) return null;
    lane = { ...lane, inside: false };
    return claim(null);
  };
  let pending: Promise<ClaimedPage> | null = signal?.aborted ? null : claim(null);
  let leftover = false;
  try {
    while (pending) {
      const page: ClaimedPage = await pending;
      pending = null;
      if (page.done) {
        pending = othersNext(page);
        continue;
      }
      if (runId == null && page.runId != null) {
        runId = page.runId;
        ctx.lifecycle.emit('run.started', { ...run, runId });
      }
      leftover ||= page.leftover;
      counts.eventsClaimed += page.events;
      // A group born dead (nothing in it renders) is a failed delivery of
      // this run; poison split off a group is not a delivery the run made.
      const bornDead = page.dead.filter((d) => d.from == null).length;
      counts.deliveriesCreated += page.deliveries.length + bornDead;
      counts.deliveriesFailed += bornDead;
      // A page that took every recipient outstanding ends the run: what
      // arrives meanwhile waits for the next run, which starts from the first
      // recipient again. Sweeping on after the cursor instead would chase
      // arrivals a few at a time while those behind the cursor wait.
      // Otherwise the next page is claimed while this one is sent: the
      // claim's writes (linking events) and the sends' (marks, stamps) run
      // side by side on two connections. On abort no further page is claimed,
      // and deliverAll hands back whatever it has not started, this page's or
      // the next's.
      if (page.more && !signal?.aborted) pending = claim(page.last, page.candidates);
      else pending = othersNext(page);
      for (const outcome of await deliverAll(ctx, page.deliveries, signal)) {
        if (outcome === 'sent') counts.deliveriesSent++;
        // Deferred ones (transport down) and lost ones are neither: another pass sends them.
        else if (outcome === 'failed' || outcome === 'dead') counts.deliveriesFailed++;
      }
      progress?.(counts);
    }
  } catch (err) {
    // The next page may already be claimed: hand it back rather than leave
    // it to wait out its lease (best effort: the database may be what failed).
    await pending?.then((p) => deliverAll(ctx, p.deliveries, AbortSignal.abort())).catch(() => undefined);
    // A poll that claimed nothing is not a run: the loop's guard reports the
    // outage (once per change of state), so nothing is logged here for it.
    if (runId != null) await closeRun(ctx, { ...run, runId, startedMs: started }, 'failed', counts, err ?? 'unknown error');
    throw err;
  }
  if (runId != null) {
    const status = signal?.aborted ? 'stopped' : counts.deliveriesFailed > 0 ? 'failed' : 'succeeded';
    await closeRun(ctx, { ...run, runId, startedMs: started }, status, counts);
  }
  return { runId, skipped: false, ...counts, leftover };
}
