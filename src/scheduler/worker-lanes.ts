import type { RunnerContext } from '../runner/context.js';
import type { Lane } from '../runner/run.js';
import { selectLiveWorkerIds } from '../store/workers.js';

/**
 * This scheduler's recipient lane: its position among the live schedulers
 * of the database (store/event-claims.ts RecipientLane). On a Galera cluster
 * row locks do not divide work between nodes, so replicas that claim the
 * same recipients at once lose to each other at COMMIT; each preferring its
 * own hash range keeps them apart. Every replica reads the same id-ordered
 * list, so the positions agree without any coordination but the heartbeat
 * rows. A replica that joins or dies changes the count at the others' next
 * refresh; until then two ranges may overlap (more conflicts, never a lost
 * or doubled event: the claim's locks and the unique keys still decide).
 */
export class WorkerLanes {
  private lane: Lane | undefined;

  constructor(private readonly ctx: RunnerContext, private readonly freshMs: number) {}

  /** Re-reads the live schedulers; a failed read keeps the last lane. */
  async refresh(): Promise<void> {
    const ids = await selectLiveWorkerIds(this.ctx.db, this.freshMs, this.ctx.databaseNow?.());
    const index = ids.indexOf(this.ctx.owner);
    this.lane = index < 0 || ids.length < 2 ? undefined : { count: ids.length, index };
  }

  /** Undefined while this scheduler is alone (or not yet listed): it takes every recipient. */
  current(): Lane | undefined {
    return this.lane;
  }
}
