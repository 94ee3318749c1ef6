/**
 * How the runner writes what already happened: `persist` retries a write
 * through a database outage, `groupCommit` folds writes that arrive together
 * into one transaction, and `deliveryCommits` are the two writes around each
 * send (or the one write instead of a send to a suppressed address), built from both.
 */
import { systemClock } from '../clock.js';
import type { RenderedContent } from '../store/delivery-marks.js';
import { markSuppressed } from '../store/delivery-marks.js';
import { markReady, markSending, markSent } from '../store/delivery-sends.js';
import { isConflict, isConnectionError } from '../store/errors.js';
import { stampEvents } from '../store/event-links.js';
import type { ClaimedDelivery } from '../types.js';
import type { RunnerContext } from './context.js';
import { messageIdAround } from './message-id.js';

/**
 * Runs a write that records what already happened (a claim was made, a
 * message was handed to the transport), retrying while the database is
 * unreachable instead of dropping it. Dropping it would strand claimed
 * deliveries until their lease expires, leave runs `running`, or — after a
 * send — make the lease expire and the message go out twice. The writes are
 * fenced by the lease token, so a late one changes nothing if another worker
 * has taken over meanwhile. A conflict that outlasted the store's own
 * retries (schedulers on several Galera nodes marking at once) is waited out
 * the same way: it is contention, and the write still has to land. Bounded
 * (default 10 min) so a lasting outage still surfaces as an error.
 */
export async function persist<T>(write: () => Promise<T>, maxMs = 10 * 60_000): Promise<T> {
  const deadline = Date.now() + maxMs;
  for (let wait = 50; ; wait = Math.min(wait * 2, 500)) {
    try {
      return await write();
    } catch (err) {
      if (!(isConnectionError(err) || isConflict(err)) || Date.now() + wait > deadline) throw err;
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
 * committed one by one, so that item fails alone. A batch takes at most
 * `maxBatch` items; the rest go in the next.
 */
export function groupCommit<I, R>(flush: (items: I[]) => Promise<R[]>, maxBatch = Number.POSITIVE_INFINITY): GroupCommit<I, R> {
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
      await commit(queue.splice(0, maxBatch));
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
  /** Suppressed (never sent: its address is on the suppression list) and stamped in one transaction, like `sent`. */
  suppressed: GroupCommit<{ delivery: ClaimedDelivery; address: string; note: string }, boolean>;
  /**
   * Handed to a pull transport's consumers instead of sent: stored `ready`
   * with its message (`content`: rendered just now; absent: stored at claim)
   * and no lease. Its events are stamped later, by the consumer's ack.
   */
  ready: GroupCommit<{ delivery: ClaimedDelivery; content?: RenderedContent }, boolean>;
}

export function deliveryCommits(ctx: RunnerContext): DeliveryCommits {
  return {
    sending: groupCommit((items) => persist(() => ctx.db.transaction(async (tx) => {
      const ours = new Set<number>();
      for (const [token, list] of byToken(items, (i) => i.delivery.leaseToken)) {
        const marked = await markSending(tx, token, list.map((i) => ({ id: i.delivery.id, content: i.content })), ctx.leaseMs, ctx.databaseNow?.());
        for (const id of marked) ours.add(id);
      }
      return items.map((i) => ours.has(i.delivery.id));
    }))),
    sent: groupCommit((items) => persist(() => ctx.db.transaction(async (tx) => {
      const ours = new Set<number>();
      for (const [token, list] of byToken(items, (d) => d.leaseToken)) {
        for (const id of await markSent(tx, token, list.map((d) => d.id), messageIdAround(ctx.messageIdDomain), ctx.databaseNow?.())) ours.add(id);
      }
      await stampEvents(tx, items.filter((d) => ours.has(d.id)).flatMap((d) => d.events.map((e) => e.id)), ctx.databaseNow?.());
      return items.map((d) => ours.has(d.id));
    }))),
    // One statement per delivery: each row keeps its own address and note, and suppressed ones are few.
    suppressed: groupCommit((items) => persist(() => ctx.db.transaction(async (tx) => {
      const ours: boolean[] = [];
      for (const { delivery: d, address, note } of items) ours.push(await markSuppressed(tx, d.id, d.leaseToken, address, note, ctx.databaseNow?.()));
      await stampEvents(tx, items.filter((_, i) => ours[i]).flatMap((i) => i.delivery.events.map((e) => e.id)), ctx.databaseNow?.());
      return ours;
    }))),
    ready: groupCommit((items) => persist(() => ctx.db.transaction(async (tx) => {
      const ours = new Set<number>();
      for (const [token, list] of byToken(items, (i) => i.delivery.leaseToken)) {
        // Rendered just before this: stored first, the way a send stores it (markSending), then handed over.
        const fresh = list.flatMap((i) => (i.content ? [{ id: i.delivery.id, content: i.content }] : []));
        const stored = fresh.length ? await markSending(tx, token, fresh, ctx.leaseMs, ctx.databaseNow?.()) : new Set<number>();
        const ids = list.filter((i) => !i.content || stored.has(i.delivery.id)).map((i) => i.delivery.id);
        if (ids.length === 0) continue;
        for (const id of await markReady(tx, token, ids, messageIdAround(ctx.messageIdDomain), ctx.databaseNow?.())) ours.add(id);
      }
      return items.map((i) => ours.has(i.delivery.id));
    }))),
  };
}

/** Items grouped by lease token (one per claimed page or recovery batch): each token's rows are fenced together. */
function byToken<T>(items: readonly T[], tokenOf: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const list = out.get(tokenOf(item));
    if (list) list.push(item);
    else out.set(tokenOf(item), [item]);
  }
  return out;
}
