import { systemClock } from '../clock.js';
import { markSent } from '../store/deliveries.js';
import { isConnectionError } from '../store/errors.js';
import { stampDeliveryEvents } from '../store/events.js';
import type { ClaimedDelivery } from './claim.js';
import type { RunnerContext } from './context.js';

/**
 * The transport accepted the message: record that (sent + stamp, one
 * transaction). If the database is briefly unreachable, keep trying: giving
 * up here means the lease expires and the message is sent a second time.
 * Bounded by half the lease, after which another worker may already be
 * recovering it (then our fenced update would change nothing anyway).
 * Returns false when the lease was lost.
 */
export async function commitSent(ctx: RunnerContext, d: ClaimedDelivery): Promise<boolean> {
  const deadline = Date.now() + ctx.leaseMs / 2;
  for (let wait = 100; ; wait = Math.min(wait * 2, 2_000)) {
    try {
      return await ctx.db.transaction(async (tx) => {
        if (!(await markSent(tx, d.id, d.leaseToken))) return false;
        await stampDeliveryEvents(tx, d.id);
        return true;
      });
    } catch (err) {
      if (!isConnectionError(err) || Date.now() + wait > deadline) throw err;
      await systemClock.sleep(wait);
    }
  }
}
