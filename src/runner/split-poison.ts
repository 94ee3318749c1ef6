import { insertDeadDelivery, selectDeliveriesByIds } from '../store/deliveries.js';
import { renewLeases } from '../store/delivery-leases.js';
import { relinkEvents } from '../store/event-links.js';
import type { ClaimedDelivery } from '../types.js';
import type { RunnerContext } from './context.js';
import type { PoisonEvent } from './render.js';

/**
 * Moves the events that cannot be rendered out of a delivery into a new one
 * that is `dead` from the start, with the reasons naming each event; the
 * delivery keeps the events that render and goes on to be sent. The valid
 * events stay in their own delivery (same id, lease, Message-ID and run)
 * rather than a new one: nothing about them changed, and a retry or a
 * recovery of it then re-sends exactly them. `digest retry` of the dead one
 * re-renders only the poison.
 * One transaction, fenced by our lease (renewed here): if another worker took
 * the delivery over, nothing is split and null is returned.
 */
export async function splitPoison(ctx: RunnerContext, d: ClaimedDelivery, poison: readonly PoisonEvent[]): Promise<number | null> {
  return ctx.db.transaction(async (tx) => {
    if ((await renewLeases(tx, d.leaseToken, [d.id], ctx.leaseMs, ctx.databaseNow?.())) !== 1) return null;
    const [row] = await selectDeliveriesByIds(tx, [d.id]);
    if (!row) return null;
    const ids = poison.map((p) => p.event.id);
    const deadId = await insertDeadDelivery(tx, {
      runId: row.runId, eventType: row.eventType, recipient: row.recipient, transport: row.transport,
      groupKey: `!${d.id}:${ids[0]}`, attempts: row.attempts,
      error: `render: ${poison.map((p) => p.reason).join('; ')}`.slice(0, 4000),
    });
    await relinkEvents(tx, d.id, deadId, ids);
    return deadId;
  });
}
