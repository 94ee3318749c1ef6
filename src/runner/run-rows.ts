/**
 * The runner's one place for digest_runs rows: opened (a slot's row, or an
 * unslotted run's with its first claim), taken over, closed — each with its
 * lifecycle event, emitted only once the row is written.
 */
import type { Executor } from '../store/db.js';
import { isConflict } from '../store/errors.js';
import { closeAbandonedRuns, finishRun, insertRun, takeOverSlotRun } from '../store/runs.js';
import type { RunCounts, RunTrigger } from '../types.js';
import { persist } from './commit.js';
import type { RunnerContext } from './context.js';

export interface RunOf {
  type: string;
  trigger: RunTrigger;
}

/**
 * A slot's run. Its (event_type, slot_at) unique key makes a slot fire once
 * across replicas: when the row exists, the slot ran or runs elsewhere —
 * unless that run broke off, was stopped or its owner is gone; then the slot
 * is not done, and one scheduler takes it over (a conditional UPDATE) and
 * claims what is still outstanding. null: skipped.
 * `resumeOnly`: never insert, and say nothing when there is nothing to take over.
 */
export async function openSlotRun(
  ctx: RunnerContext, run: RunOf, slotAt: Date, resumeOnly = false,
): Promise<{ runId: number; resumed: boolean } | null> {
  const slot = { eventType: run.type, slotAt, owner: ctx.owner };
  const inserted = resumeOnly ? null : await insertRun(ctx.db, { ...slot, trigger: run.trigger }, ctx.databaseNow?.());
  if (inserted != null) {
    ctx.lifecycle.emit('run.started', { ...run, runId: inserted, slotAt });
    return { runId: inserted, resumed: false };
  }
  const taken = await takeOverSlotRun(ctx.db, { ...slot, staleMs: ctx.leaseMs }, ctx.databaseNow?.());
  if (taken == null) {
    if (!resumeOnly) ctx.lifecycle.emit('run.skipped', { ...run, slotAt, reason: 'slot already taken' });
    return null;
  }
  ctx.lifecycle.emit('run.resumed', { ...run, runId: taken, slotAt });
  return { runId: taken, resumed: true };
}

/**
 * An unslotted run's row (immediate, manual, follow-up), inserted inside the
 * claim transaction with its first claimed events, so idle polls leave no
 * empty runs behind. Its `run.started` is the caller's to emit, after commit.
 */
export async function insertUnslottedRun(ctx: RunnerContext, tx: Executor, run: RunOf): Promise<number> {
  return (await insertRun(tx, { eventType: run.type, slotAt: null, trigger: run.trigger, owner: ctx.owner }, ctx.databaseNow?.()))!;
}

/**
 * Records how a run ended. A run that broke off (`error`) is closed best
 * effort — the database may be what failed — and the error goes on to the
 * caller; a finished one is persisted through an outage.
 */
export async function closeRun(
  ctx: RunnerContext, run: RunOf & { runId: number; startedMs: number }, status: 'succeeded' | 'failed' | 'stopped', counts: RunCounts, error?: unknown,
): Promise<void> {
  const { runId, startedMs, ...of } = run;
  const durationMs = performance.now() - startedMs;
  if (error !== undefined) {
    await persist(() => finishRun(ctx.db, runId, 'failed', counts, String(error), ctx.databaseNow?.())).catch(() => undefined);
    ctx.lifecycle.emit('run.failed', { ...of, runId, err: error instanceof Error ? error.message : String(error), durationMs, contended: isConflict(error) });
    return;
  }
  await persist(() => finishRun(ctx.db, runId, status, counts, null, ctx.databaseNow?.()));
  ctx.lifecycle.emit('run.finished', { ...of, runId, status, ...counts, durationMs });
}

/** Runs whose owner stopped heartbeating mid-run are closed `abandoned`, so their slots can be taken over. */
export function closeAbandoned(ctx: RunnerContext): Promise<number> {
  return closeAbandonedRuns(ctx.db, ctx.leaseMs, ctx.databaseNow?.());
}
