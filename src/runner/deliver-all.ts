import { releaseLeases } from '../store/deliveries.js';
import type { ClaimedDelivery } from './claim.js';
import type { RunnerContext } from './context.js';
import { deliver, type DeliveryOutcome } from './deliver.js';

/** Deliveries in flight at once per page: sends overlap the database round trips of others. */
export const DEFAULT_DELIVERY_CONCURRENCY = 4;

/**
 * Delivers a claimed list, a few at a time. On abort (shutdown) no new
 * delivery starts; the ones not started are handed back (their lease ends
 * now) so another worker takes them at once instead of after the lease.
 */
export async function deliverAll(ctx: RunnerContext, list: readonly ClaimedDelivery[], signal?: AbortSignal): Promise<DeliveryOutcome[]> {
  const queue = [...list];
  const outcomes: DeliveryOutcome[] = [];
  const unstarted: ClaimedDelivery[] = [];
  const worker = async () => {
    for (let d = queue.shift(); d; d = queue.shift()) {
      if (signal?.aborted) {
        unstarted.push(d, ...queue.splice(0));
        return;
      }
      outcomes.push(await deliver(ctx, d));
    }
  };
  const workers = Array.from({ length: Math.min(ctx.deliveryConcurrency ?? DEFAULT_DELIVERY_CONCURRENCY, queue.length) }, worker);
  const settled = await Promise.allSettled(workers);
  for (const token of new Set(unstarted.map((d) => d.leaseToken))) {
    await releaseLeases(ctx.db, unstarted.filter((d) => d.leaseToken === token).map((d) => d.id), token);
  }
  const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failure) throw failure.reason;
  return outcomes;
}
