/**
 * How the runner writes what already happened: `persist` retries a write
 * through a database outage, `groupCommit` folds writes that arrive together
 * into one transaction, and `deliveryCommits` are the two writes around each
 * send, built from both.
 */
import { systemClock } from '../clock.js';
import { markSending, markSent, type RenderedContent } from '../store/delivery-marks.js';
import { isConnectionError } from '../store/errors.js';
import { stampEvents } from '../store/event-links.js';
import type { ClaimedDelivery } from '../types.js';
import type { RunnerContext } from './context.js';

/**
 * Runs a write that records what already happened (a claim was made, a
 * message was handed to the transport), retrying while the database is
 * unreachable instead of dropping it. Dropping it would strand claimed
 * deliveries until their lease expires, leave runs `running`, or — after a
 * send — make the lease expire and the message go out twice. The writes are
 * fenced by the lease token, so a late one changes nothing if another worker
 * has taken over meanwhile. Bounded (default 10 min) so a lasting outage
 * still surfaces as an error.
 */
export async function persist<T>(write: () => Promise<T>, maxMs = 10 * 60_000): Promise<T> {
  const deadline = Date.now() + maxMs;
  for (let wait = 50; ; wait = Math.min(wait * 2, 500)) {
    try {
      return await write();
    } catch (err) {
      if (!isConnectionError(err) || Date.now() + wait > deadline) throw err;
      await systemClock.sleep(wait);
    }
  }
}

/** Adds an item to the next commit; resolves with that item's own result. */
export type GroupCommit<I, R> = (item: I) => Promise<R>;

/**
 * Group commit: items that arrive while a commit is in flight are written
 * together by the next one, so N deliveries finishing at about the same time
 * cost one transaction (one fsync) instead of N. An idle pipeline commits each
 * item at once, so batching never adds latency.
 *
 * `flush` writes a batch in one transaction and returns a result per item.
 * If a batch fails for a reason other than a lost connection (one item the
 * database refuses, e.g. a message over max_allowed_packet), its items are
 * committed one by one, so that item fails alone.
 */
export function groupCommit<I, R>(flush: (items: I[]) => Promise<R[]>): GroupCommit<I, R> {
  let queue: Array<{ item: I; resolve: (r: R) => void; reject: (e: unknown) => void }> = [];
  let flushing = false;

  const commit = async (batch: typeof queue) => {
    try {
      const results = await flush(batch.map((q) => q.item));
      batch.forEach((q, i) => q.resolve(results[i]!));
    } catch (err) {
      if (batch.length === 1 || isConnectionError(err)) {
        for (const q of batch) q.reject(err);
        return;
      }
      for (const q of batch) await commit([q]);
    }
  };

  const drain = async () => {
    flushing = true;
    // Let items added in the same tick join the first batch.
    await Promise.resolve();
    while (queue.length > 0) {
      const batch = queue;
      queue = [];
      await commit(batch);
    }
    flushing = false;
  };

  return (item) => new Promise<R>((resolve, reject) => {
    queue.push({ item, resolve, reject });
    if (!flushing) void drain();
  });
}

/**
 * The two writes around each send, group-committed across the deliveries in
 * flight. Both go through persist (retried through a database outage), and
 * both are fenced by the lease token: false means the lease was lost.
 */
export interface DeliveryCommits {
  /** Stores the rendered message and marks it handed to the transport, renewing the lease; before the send. */
  sending: GroupCommit<{ delivery: ClaimedDelivery; content: RenderedContent }, boolean>;
  /**
   * Sent and stamped in one transaction: either both happen or, if we die
   * first, the lease expires and the delivery is re-sent with the same
   * Message-ID. Giving up on this write would do the same, hence persist.
   */
  sent: GroupCommit<ClaimedDelivery, boolean>;
}

export function deliveryCommits(ctx: RunnerContext): DeliveryCommits {
  return {
    sending: groupCommit((items) => persist(() => ctx.db.transaction(async (tx) => {
      const ours: boolean[] = [];
      for (const { delivery: d, content } of items) ours.push(await markSending(tx, d.id, d.leaseToken, content, ctx.leaseMs, ctx.databaseNow?.()));
      return ours;
    }))),
    sent: groupCommit((items) => persist(() => ctx.db.transaction(async (tx) => {
      const ours: boolean[] = [];
      for (const d of items) ours.push(await markSent(tx, d.id, d.leaseToken, ctx.databaseNow?.()));
      await stampEvents(tx, items.filter((_, i) => ours[i]).flatMap((d) => d.events.map((e) => e.id)), ctx.databaseNow?.());
      return ours;
    }))),
  };
}
