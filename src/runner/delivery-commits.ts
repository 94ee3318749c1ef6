import { markSending, markSent, type RenderedContent } from '../store/delivery-marks.js';
import { stampEvents } from '../store/event-links.js';
import type { ClaimedDelivery } from '../types.js';
import type { RunnerContext } from './context.js';
import { type GroupCommit, groupCommit } from './group-commit.js';
import { persist } from './persist.js';

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
