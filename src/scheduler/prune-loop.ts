import type { Clock } from '../clock.js';
import { DEFAULT_RETENTION } from '../config/retention.js';
import type { RunnerContext } from '../runner/context.js';
import { pruneOld } from '../runner/prune.js';
import { closeAbandoned } from '../runner/run-rows.js';
import { loopGuard } from './guard.js';

/** How often the scheduler prunes: retention is days long, so an hour late is nothing. */
export const PRUNE_EVERY_MS = 3_600_000;

/**
 * Prunes old rows at start and then every hour (the injected clock). Every replica
 * runs it; their deletes are idempotent (a row already gone is not counted),
 * and each statement is short, so they never hold each other up for long.
 */
export async function pruneLoop(ctx: RunnerContext, clock: Clock, signal: AbortSignal, everyMs = PRUNE_EVERY_MS): Promise<void> {
  const guard = loopGuard(ctx.lifecycle, clock, 'prune');
  const retention = ctx.config.retention ?? DEFAULT_RETENTION;
  while (!signal.aborted) {
    await guard(async () => {
      // Housekeeping: also close runs whose owner died (for types without a
      // tick loop, which otherwise does this every 30 s).
      await closeAbandoned(ctx);
      const counts = await pruneOld(ctx.db, retention, clock.now(), { signal });
      if (counts.events + counts.deliveries + counts.runs > 0) ctx.lifecycle.emit('prune.done', counts);
      await clock.sleep(everyMs, signal);
    }, signal);
  }
}
