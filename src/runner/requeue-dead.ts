import { requeueDeadByIds, selectDeadDeliveryIds } from '../store/dead-requeue.js';
import type { RunnerContext } from './context.js';

/** Deliveries re-queued per statement: short ones, as prune's (no long lock, no replication lag behind one huge update). */
export const REQUEUE_BATCH = 1_000;

export interface RequeueDeadOptions {
  /** Only this event type's. */
  type?: string;
  batch?: number;
  /** After each batch: how many are back in line so far. */
  onProgress?: (requeued: number) => void;
}

/**
 * `digest retry --dead`: every dead delivery back in line, due now, with
 * fresh attempts, a batch at a time in id order. One that dies meanwhile
 * behind the cursor waits for the next `retry --dead`.
 */
export async function requeueDead(ctx: Pick<RunnerContext, 'db' | 'databaseNow'>, opts: RequeueDeadOptions = {}): Promise<number> {
  const batch = opts.batch ?? REQUEUE_BATCH;
  let requeued = 0;
  for (let after = 0; ;) {
    const ids = await selectDeadDeliveryIds(ctx.db, opts.type ?? null, after, batch);
    if (ids.length === 0) return requeued;
    requeued += await requeueDeadByIds(ctx.db, ids, ctx.databaseNow?.());
    opts.onProgress?.(requeued);
    if (ids.length < batch) return requeued;
    after = ids[ids.length - 1]!;
  }
}
