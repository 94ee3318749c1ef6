import { describe, expect, it } from 'vitest';
import { DigestError, UnknownEventTypeError, ValidationError } from '../../src/errors.js';
import type { EventGroup, Handler } from '../../src/handlers/define.js';
import { handlers } from '../../examples/shop/handlers.js';
import { orderCreated } from '../../examples/shop/order-created.js';
import { purchaseRequested } from '../../examples/shop/purchase-requested.js';
import { purchaseResponded } from '../../examples/shop/purchase-responded.js';
import { createRegistry } from '../../src/handlers/registry.js';
import { validatePayload } from '../../src/handlers/validate.js';

function groupOf<P>(handler: Handler<P>, payloads: P[], start = Date.UTC(2025, 0, 1, 9)): EventGroup<P> {
  return {
    type: handler.type,
    recipient: handler.recipient(payloads[0]!),
    events: payloads.map((payload, i) => ({ id: i + 1, payload, occurredAt: new Date(start + i * 60_000) })),
  };
}

function validationError(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return err as ValidationError;
  }
  throw new Error('expected a ValidationError');
}

const request = (n: number, supplier: string | number = 7) => ({
  request_id: n,
  supplier_id: supplier,
  supplier_email: `supplier${n}@example.com`,
  customer_email: `customer${n}@example.com`,
  item: `item ${n}`,
  quantity: n,
});

describe('Order.Created', () => {
  it('accepts a valid payload and uses the address as recipient, one receipt per event', () => {
    const p = validatePayload(orderCreated, { email_address: 'a@example.com', order_id: 42 });
    expect(p).toEqual({ email_address: 'a@example.com', order_id: 42 });
    expect(orderCreated.recipient(p)).toBe('a@example.com');
    expect(orderCreated.group).toBe('event');
    const view = orderCreated.render(groupOf(orderCreated, [p]));
    expect(view.template ?? orderCreated.template).toBe('order-receipt');
    expect(view.data).toEqual({ email_address: 'a@example.com', order_id: 42 });
  });

  it('names each failing field and the subject', () => {
    const err = validationError(() => validatePayload(orderCreated, { email_address: 'nope', order_id: -3 }));
    expect(err.code).toBe('VALIDATION');
    expect(err.issues.map((i) => i.path).sort()).toEqual(['payload.email_address', 'payload.order_id']);
    expect(err.message).toMatch(/^Order\.Created event is invalid: /);
    expect(err.message).toContain('payload.order_id: ');
  });

  it('rejects a non-integer order id and a missing field', () => {
    const err = validationError(() => validatePayload(orderCreated, { order_id: 1.5 }));
    expect(err.issues.map((i) => i.path).sort()).toEqual(['payload.email_address', 'payload.order_id']);
  });
});

describe('Purchase.Requested', () => {
  it('accepts string or numeric ids and groups by supplier id as a string', () => {
    const p = validatePayload(purchaseRequested, { ...request(1), request_id: 'REQ-1', supplier_id: 99 });
    expect(purchaseRequested.recipient(p)).toBe('99');
    expect(purchaseRequested.group).toBe('recipient');
  });

  it('rejects empty ids, zero quantity and an empty item, naming each field', () => {
    const err = validationError(() =>
      validatePayload(purchaseRequested, { ...request(1), request_id: '', quantity: 0, item: '' }),
    );
    expect(err.issues.map((i) => i.path).sort()).toEqual(['payload.item', 'payload.quantity', 'payload.request_id']);
  });

  it('lists every request of a large group once, sends to the latest supplier address', () => {
    const payloads = Array.from({ length: 250 }, (_, i) => request(i + 1));
    const view = purchaseRequested.render(groupOf(purchaseRequested, payloads));
    const requests = view.data['requests'] as { request_id: number; item: string; customer_email: string }[];
    expect(view.data['count']).toBe(250);
    expect(requests.map((r) => r.request_id)).toEqual(payloads.map((p) => p.request_id));
    expect(requests[3]).toMatchObject({ item: 'item 4', quantity: 4, customer_email: 'customer4@example.com' });
    expect(view.to).toBe('supplier250@example.com');
  });

  it('orders requests by time even when events arrive out of order', () => {
    const group = groupOf(purchaseRequested, [request(1), request(2)]);
    group.events.reverse();
    const view = purchaseRequested.render(group);
    expect((view.data['requests'] as { request_id: number }[]).map((r) => r.request_id)).toEqual([1, 2]);
    expect(view.to).toBe('supplier2@example.com');
  });
});

describe('Purchase.Responded', () => {
  const response = (supplier: string, status: string, message?: string) => ({
    request_id: 'R-' + supplier,
    customer_email: 'c@example.com',
    supplier_name: supplier,
    status,
    ...(message === undefined ? {} : { message }),
  });

  it('tells the customer which suppliers answered', () => {
    const payloads = [response('Acme', 'accepted', 'ships Monday'), response('Globex', 'rejected'), response('Acme', 'shipped')]
      .map((p) => validatePayload(purchaseResponded, p));
    expect(purchaseResponded.recipient(payloads[0]!)).toBe('c@example.com');
    const view = purchaseResponded.render(groupOf(purchaseResponded, payloads));
    expect(view.template ?? purchaseResponded.template).toBe('supplier-responses');
    expect(view.data['suppliers']).toEqual(['Acme', 'Globex']);
    expect(view.data['responses']).toMatchObject([
      { supplier_name: 'Acme', request_id: 'R-Acme', status: 'accepted', message: 'ships Monday' },
      { supplier_name: 'Globex', status: 'rejected', message: null },
      { supplier_name: 'Acme', status: 'shipped' },
    ]);
  });

  it('rejects an unknown status', () => {
    const err = validationError(() => validatePayload(purchaseResponded, response('Acme', 'maybe')));
    expect(err.issues.map((i) => i.path)).toEqual(['payload.status']);
  });
});

describe('registry', () => {
  it('finds every shipped handler by type', () => {
    const registry = createRegistry(handlers);
    expect(registry.types()).toEqual(['Order.Created', 'Purchase.Requested', 'Purchase.Responded']);
    expect(registry.require('Purchase.Requested')).toBe(purchaseRequested);
    expect(registry.get('Nope')).toBeUndefined();
  });

  it('throws UnknownEventTypeError listing the known types', () => {
    const registry = createRegistry(handlers);
    let caught: unknown;
    try {
      registry.require('Order.Cancelled');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(UnknownEventTypeError);
    expect((caught as UnknownEventTypeError).known).toEqual(registry.types());
    expect((caught as Error).message).toContain('Order.Created, Purchase.Requested, Purchase.Responded');
  });

  it('refuses a duplicate type', () => {
    expect(() => createRegistry([orderCreated, purchaseRequested, orderCreated])).toThrow(
      expect.objectContaining({ code: 'CONFIG', message: expect.stringContaining('"Order.Created" is defined twice') }),
    );
    expect(() => createRegistry([orderCreated, orderCreated])).toThrow(DigestError);
  });
});
