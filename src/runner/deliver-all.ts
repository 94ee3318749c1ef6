import { releaseLeases } from '../store/delivery-leases.js';
import type { ClaimedDelivery } from '../types.js';
import type { RunnerContext } from './context.js';
import { deliver } from './deliver.js';
import type { DeliveryOutcome } from '../types.js';
import { deliveryCommits } from './commit.js';
import { leasesOf } from './lease-keeper.js';

/** Sends in flight at once per page: sends overlap the database round trips of others. */
export const DEFAULT_DELIVERY_CONCURRENCY = 4;

/**
 * Delivers a claimed list, a few sends at a time, group-committing their
 * marks. On abort (shutdown) no new delivery starts; the ones not started are
 * handed back (their lease ends now) so another worker takes them at once
 * instead of after the lease. Returns once every outcome is recorded.
 */
export async function deliverAll(ctx: RunnerContext, list: readonly ClaimedDelivery[], signal?: AbortSignal): Promise<DeliveryOutcome[]> {
  const commits = deliveryCommits(ctx);
  const leases = leasesOf(ctx);
  const queue = [...list];
  const outcomes: Array<Promise<DeliveryOutcome>> = [];
  const unstarted: ClaimedDelivery[] = [];
  const worker = async () => {
    for (let d = queue.shift(); d; d = queue.shift()) {
      if (signal?.aborted) {
        unstarted.push(d, ...queue.splice(0));
        return;
      }
      const { outcome } = await deliver(ctx, d, commits).catch((err) => {
        leases.release(d.leaseToken, [d.id]);
        throw err;
      });
      // Its lease is kept (lease-keeper.ts) until the outcome is recorded.
      outcome.finally(() => leases.release(d.leaseToken, [d.id])).catch(() => undefined);
      // Awaited below, after the workers; marked handled now so a failure
      // meanwhile is not reported as an unhandled rejection.
      outcome.catch(() => undefined);
      outcomes.push(outcome);
    }
  };
  const workers = await Promise.allSettled(
    Array.from({ length: Math.min(ctx.deliveryConcurrency ?? DEFAULT_DELIVERY_CONCURRENCY, queue.length) }, worker));
  const recorded = await Promise.allSettled(outcomes);
  for (const token of new Set(unstarted.map((d) => d.leaseToken))) {
    const ids = unstarted.filter((d) => d.leaseToken === token).map((d) => d.id);
    leases.release(token, ids);
    await releaseLeases(ctx.db, ids, token, ctx.databaseNow?.());
  }
  const failure = [...workers, ...recorded].find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failure) throw failure.reason;
  return recorded.map((s) => (s as PromiseFulfilledResult<DeliveryOutcome>).value);
}
