import { randomUUID } from 'node:crypto';
import { leaseDeliveries, releaseLeases, selectDeliveriesByIds, selectReclaimable } from '../store/deliveries.js';
import { selectDeliveryEvents } from '../store/events.js';
import type { RunnerContext } from './context.js';
import { deliver, type DeliveryOutcome } from './deliver.js';

/**
 * Re-sends deliveries that are due again: failed ones whose backoff elapsed
 * and claimed ones whose lease expired. Independent of the type's cadence, so
 * a failed 4-hourly digest is retried in seconds, not hours. Events are read
 * back from the delivery (they stay linked to it) and re-rendered.
 */
export async function recoverDeliveries(ctx: RunnerContext, limit = 50, signal?: AbortSignal): Promise<DeliveryOutcome[]> {
  const leaseToken = randomUUID();
  // Peek first (no transaction): nothing is due on almost every poll.
  if ((await selectReclaimable(ctx.db, 1)).length === 0) return [];
  const ids = await ctx.db.transaction(async (tx) => {
    const found = await selectReclaimable(tx, limit);
    if (found.length > 0) await leaseDeliveries(tx, found, { token: leaseToken, ms: ctx.leaseMs });
    return found;
  });
  const outcomes: DeliveryOutcome[] = [];
  const rows = await selectDeliveriesByIds(ctx.db, ids);
  for (const [i, row] of rows.entries()) {
    if (signal?.aborted) {
      await releaseLeases(ctx.db, rows.slice(i).map((r) => r.id), leaseToken);
      break;
    }
    if (!ctx.config.events[row.eventType]) continue; // type removed from config: leave it visible, untouched
    const events = await selectDeliveryEvents(ctx.db, row.id);
    ctx.logger.info({ evt: 'delivery.retrying', deliveryId: row.id, type: row.eventType, attempt: row.attempts });
    outcomes.push(await deliver(ctx, { ...row, leaseToken, events }));
  }
  return outcomes;
}
