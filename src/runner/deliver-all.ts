import { releaseLeases } from '../store/delivery-leases.js';
import type { ClaimedDelivery } from '../types.js';
import { type RunnerContext, typeConfig } from './context.js';
import { deliver } from './deliver.js';
import type { DeliveryOutcome } from '../types.js';
import { deliveryCommits } from './commit.js';
import { leasesOf } from './lease-keeper.js';
import { inFlight, type Send, senderFor } from './sender.js';
import { suppressionCheck } from './suppression-check.js';

/** Sends in flight at once for a transport that does not say (Transport.concurrency). */
export const DEFAULT_DELIVERY_CONCURRENCY = 4;

/**
 * Delivers a claimed list, as many sends at a time as each transport takes
 * (a console or file transport a whole page, SMTP its pool), group-committing
 * their marks (the more in flight, the more rows each commit writes) and,
 * for a transport that can, their sends (sender.ts). On
 * abort (shutdown) no new delivery starts; the ones not started are handed back (their lease ends now) so another worker takes them at once
 * instead of after the lease. Returns once every outcome is recorded.
 */
export async function deliverAll(ctx: RunnerContext, list: readonly ClaimedDelivery[], signal?: AbortSignal): Promise<DeliveryOutcome[]> {
  const commits = deliveryCommits(ctx);
  // The list's addresses known now are checked together, by the first send that asks.
  const suppressed = suppressionCheck(ctx, list);
  const leases = leasesOf(ctx);
  const outcomes: Array<Promise<DeliveryOutcome>> = [];
  const unstarted: ClaimedDelivery[] = [];
  // Workers of one transport share its queue; `next` is the first not taken.
  const worker = async (queue: { items: ClaimedDelivery[]; next: number; send: Send }) => {
    while (queue.next < queue.items.length) {
      if (signal?.aborted) {
        unstarted.push(...queue.items.slice(queue.next));
        queue.next = queue.items.length;
        return;
      }
      const d = queue.items[queue.next++]!;
      const { outcome } = await deliver(ctx, d, commits, queue.send, suppressed).catch((err) => {
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
  // One queue per transport, each with its own number of workers.
  const queues = new Map<string, ClaimedDelivery[]>();
  for (const d of list) {
    const name = typeConfig(ctx, d.eventType).transport;
    const queue = queues.get(name);
    if (queue) queue.push(d);
    else queues.set(name, [d]);
  }
  const workers = await Promise.allSettled([...queues].flatMap(([name, items]) => {
    const transport = ctx.transports.get(name)!;
    const concurrency = ctx.deliveryConcurrency ?? inFlight(transport, DEFAULT_DELIVERY_CONCURRENCY);
    const queue = { items, next: 0, send: senderFor(transport) };
    return Array.from({ length: Math.min(concurrency, items.length) }, () => worker(queue));
  }));
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
