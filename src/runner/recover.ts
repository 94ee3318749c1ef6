import { randomUUID } from 'node:crypto';
import { selectDeliveriesByIds } from '../store/deliveries.js';
import { leaseDeliveries, selectReclaimable } from '../store/delivery-leases.js';
import { selectEventsOfDeliveries } from '../store/event-links.js';
import type { RunnerContext } from './context.js';
import type { ClaimedDelivery, DeliveryOutcome } from '../types.js';
import { deliverAll } from './deliver-all.js';
import { leasesOf } from './lease-keeper.js';
import { loadRecipientSettings } from './recipient-settings.js';

/**
 * Re-sends deliveries that are due again: failed ones whose backoff elapsed
 * and claimed ones whose lease expired. Independent of the type's cadence, so
 * a failed 4-hourly digest is retried in seconds, not hours. Events are read
 * back from the delivery (they stay linked to it) and re-rendered.
 */
export async function recoverDeliveries(ctx: RunnerContext, limit = 50, signal?: AbortSignal): Promise<DeliveryOutcome[]> {
  const leaseToken = randomUUID();
  const types = Object.keys(ctx.config.events);
  // Peek first (no transaction): nothing is due on almost every poll.
  if ((await selectReclaimable(ctx.db, types, 1, ctx.databaseNow?.())).length === 0) return [];
  const found = await ctx.db.transaction(async (tx) => {
    const rows = await selectReclaimable(tx, types, limit, ctx.databaseNow?.());
    if (rows.length > 0) await leaseDeliveries(tx, rows.map((r) => r.id), { token: leaseToken, ms: ctx.leaseMs }, ctx.databaseNow?.());
    return rows;
  });
  const ids = found.map((r) => r.id);
  // A pending one was never sent (handed back, or waiting out a transport
  // outage): taking it up again is not a retry, and after an outage there
  // are thousands of them.
  const unsent = new Set(found.filter((r) => r.status === 'pending').map((r) => r.id));
  const claimed: ClaimedDelivery[] = [];
  const events = await selectEventsOfDeliveries(ctx.db, ids);
  const rows = await selectDeliveriesByIds(ctx.db, ids);
  // Re-rendered in the recipient's language and zone as they are now: their profiles in one statement.
  const settingsOf = await loadRecipientSettings(ctx, ctx.db, rows.map((r) => r.recipient));
  for (const row of rows) {
    ctx.lifecycle.emit(unsent.has(row.id) ? 'delivery.resumed' : 'delivery.retrying', { deliveryId: row.id, type: row.eventType, attempt: row.attempts });
    const own = events.get(row.id) ?? [];
    claimed.push({ ...row, leaseToken, events: own, settings: settingsOf(row.eventType, row.recipient, own) });
  }
  leasesOf(ctx).hold(leaseToken, ids);
  return deliverAll(ctx, claimed, signal);
}
