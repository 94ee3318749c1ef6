import { z } from 'zod';
import { defineHandler } from '../../src/index.js';

/**
 * One receipt per order, sent immediately. Grouping is per event so two
 * orders by the same customer in one poll still produce two receipts.
 */
export const orderCreated = defineHandler({
  type: 'Order.Created',
  payload: z.object({
    email_address: z.email(),
    order_id: z.number().int().positive(),
  }),
  // Keys compare exactly; one customer is one recipient however the address is cased.
  recipient: (p) => p.email_address.toLowerCase(),
  group: 'event',
  template: 'order-receipt',
  render: (group) => {
    // group 'event' guarantees exactly one event per delivery.
    const event = group.events[0];
    if (!event) throw new Error('Order.Created render called with an empty group');
    return { to: event.payload.email_address, data: { ...event.payload } };
  },
});
