import { z } from 'zod';
import { defineHandler } from '../../src/index.js';
import { externalId } from './ids.js';

/** Tells a customer, in one message, which suppliers answered their requests. */
export const purchaseResponded = defineHandler({
  type: 'Purchase.Responded',
  payload: z.object({
    request_id: externalId,
    customer_email: z.email(),
    // It goes into the subject: a line break there would start new mail headers.
    supplier_name: z.string().min(1).regex(/^[^\r\n]*$/, 'must be a single line'),
    status: z.enum(['accepted', 'rejected', 'shipped']),
    message: z.string().optional(),
  }),
  // Keys compare exactly: folding the case makes `Ann@x` and `ann@x` one digest.
  recipient: (p) => p.customer_email.toLowerCase(),
  group: 'recipient',
  template: 'supplier-responses',
  render: (group) => {
    const events = [...group.events].sort(
      (a, b) => a.occurredAt.getTime() - b.occurredAt.getTime() || a.id - b.id,
    );
    const responses = events.map((e) => ({
      supplier_name: e.payload.supplier_name,
      request_id: e.payload.request_id,
      status: e.payload.status,
      // Explicit null keeps strict-mode templates happy: `{{#if message}}`
      // works on a present-but-empty field, a missing one would throw.
      message: e.payload.message ?? null,
      occurredAt: e.occurredAt,
    }));
    // Distinct names, in first-answer order, for the subject line.
    const suppliers = [...new Set(responses.map((r) => r.supplier_name))];
    return {
      // The address as the latest event gave it (the recipient is folded).
      to: events[events.length - 1]?.payload.customer_email,
      data: { customer_email: group.recipient, count: responses.length, suppliers, responses },
    };
  },
});
