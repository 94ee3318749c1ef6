import { markSent } from '../store/deliveries.js';
import { stampDeliveryEvents } from '../store/events.js';
import type { ClaimedDelivery } from './claim.js';
import type { RunnerContext } from './context.js';
import { persist } from './persist.js';

/**
 * The transport accepted the message: record that (sent + stamp, one
 * transaction), through a database outage if need be (see persist): giving
 * up would let the lease expire and the message be sent a second time.
 * Returns false when the lease was lost to another worker.
 */
export function commitSent(ctx: RunnerContext, d: ClaimedDelivery): Promise<boolean> {
  return persist(() => ctx.db.transaction(async (tx) => {
    if (!(await markSent(tx, d.id, d.leaseToken))) return false;
    await stampDeliveryEvents(tx, d.id);
    return true;
  }));
}
