import { z } from 'zod';
import { defineHandler, limitItems } from '../../src/index.js';
import { externalId } from './ids.js';

/**
 * One digest per supplier listing its outstanding requests (the first
 * `maxItems` of them, then "and N more"). The recipient
 * is the supplier id (stable), not the address (which may change between
 * events); the address of the most recent event is the one we send to.
 */
export const purchaseRequested = defineHandler({
  type: 'Purchase.Requested',
  payload: z.object({
    request_id: externalId,
    supplier_id: externalId,
    supplier_email: z.email(),
    customer_email: z.email(),
    item: z.string().min(1),
    quantity: z.number().int().positive(),
    // A rush request: with `urgent: rush` on the type, the supplier's digest goes now (src/urgency.ts).
    rush: z.boolean().optional(),
  }),
  recipient: (p) => String(p.supplier_id),
  group: 'recipient',
  template: 'supplier-digest',
  render: (group) => {
    // Oldest first reads naturally in a list; the latest decides the address.
    const events = [...group.events].sort(
      (a, b) => a.occurredAt.getTime() - b.occurredAt.getTime() || a.id - b.id,
    );
    const latest = events[events.length - 1];
    if (!latest) throw new Error('Purchase.Requested render called with an empty group');
    const requests = events.map((e) => ({
      request_id: e.payload.request_id,
      item: e.payload.item,
      quantity: e.payload.quantity,
      customer_email: e.payload.customer_email,
      occurredAt: e.occurredAt,
    }));
    // The schedules file's maxItems caps the list, never the count: "and 212 more" under it.
    const shown = limitItems(requests, group.maxItems);
    return {
      to: latest.payload.supplier_email,
      data: { supplier_id: group.recipient, count: requests.length, requests: shown.items, more: shown.more },
    };
  },
});
