/**
 * Compile-time checks of createDigest({ handlers }): record() and recordMany()
 * are typed by the handlers' zod schemas. Not run by vitest (no .test.ts);
 * type-checked by `npx tsc -p tsconfig.test.json`. Each `@ts-expect-error`
 * must be needed: tsc reports an unused one, so a check that stops biting
 * fails the type-check. Nothing here is called (no database at type-check time).
 */
import { z } from 'zod';
import { handlers as shopHandlers, orderCreated } from '../../examples/shop/handlers.js';
import { createDigest, defineHandler, type EventTypeOf, type Handler, type PayloadOf, type RecipientProfiles, type Recorder, type Suppressions, type Canceller } from '../../src/index.js';

/** Our own type: nested object, an optional field, a default and a transform (record() takes the schema's input). */
const ticketEscalated = defineHandler({
  type: 'Ticket.Escalated',
  payload: z.object({
    ticket: z.object({ number: z.number().int(), queue: z.string() }),
    priority: z.enum(['low', 'high']).default('low'),
    note: z.string().optional(),
    minutes: z.string().transform((s) => Number(s)),
  }),
  recipient: (p) => p.ticket.queue,
  template: 'escalation',
  // render sees the schema's output: `minutes` is a number there.
  render: (g) => ({ data: { total: g.events.reduce((n, e) => n + e.payload.minutes, 0), priority: g.events[0]?.payload.priority } }),
});

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
const assertType = <T extends true>(value: T) => value;

const allHandlers = [...shopHandlers, ticketEscalated] as const;
type All = typeof allHandlers;

// The type-level helpers on their own.
assertType<Equal<EventTypeOf<All>, 'Order.Created' | 'Purchase.Requested' | 'Purchase.Responded' | 'Ticket.Escalated'>>(true);
assertType<Equal<PayloadOf<All, 'Order.Created'>, { email_address: string; order_id: number }>>(true);
assertType<Equal<PayloadOf<All, 'Ticket.Escalated'>['minutes'], string>>(true);

export async function typedShop(): Promise<void> {
  const digest = createDigest({ handlers: shopHandlers });

  // Valid calls compile.
  await digest.record('Order.Created', { email_address: 'a@example.com', order_id: 1 });
  await digest.record('Order.Created', { email_address: 'a@example.com', order_id: 1 }, { idempotencyKey: 'k', occurredAt: new Date() });
  await digest.record('Purchase.Responded', { request_id: 'R-1', customer_email: 'c@example.com', supplier_name: 'S', status: 'accepted' });
  await digest.record('Purchase.Requested', {
    request_id: 1, supplier_id: 'S-7', supplier_email: 's@example.com', customer_email: 'c@example.com', item: 'x', quantity: 2,
  });
  await digest.recordMany([
    { type: 'Order.Created', payload: { email_address: 'a@example.com', order_id: 1 } },
    { type: 'Purchase.Responded', payload: { request_id: 2, customer_email: 'c@example.com', supplier_name: 'S', status: 'shipped', message: 'm' }, idempotencyKey: 'k2' },
  ]);

  // @ts-expect-error order_id is a number, not a string
  await digest.record('Order.Created', { email_address: 'a@example.com', order_id: 'x' });
  // @ts-expect-error email_address is required
  await digest.record('Order.Created', { order_id: 1 });
  // @ts-expect-error unknown event type
  await digest.record('Order.Cancelled', { order_id: 1 });
  // @ts-expect-error status is an enum
  await digest.record('Purchase.Responded', { request_id: 'R-1', customer_email: 'c@example.com', supplier_name: 'S', status: 'lost' });
  // @ts-expect-error a payload of another type (Purchase.Requested's fields for Order.Created)
  await digest.record('Order.Created', { request_id: 1, supplier_id: 1, supplier_email: 's@example.com', customer_email: 'c@example.com', item: 'x', quantity: 1 });
  await digest.recordMany([
    { type: 'Order.Created', payload: { email_address: 'a@example.com', order_id: 1 } },
    // @ts-expect-error a recordMany element with a wrong payload
    { type: 'Order.Created', payload: { email_address: 'a@example.com', order_id: 'x' } },
  ]);
  await digest.recordMany([
    // @ts-expect-error a recordMany element of an unknown type
    { type: 'Nope.Type', payload: {} },
  ]);
}

export async function typedOwnHandlers(): Promise<void> {
  // An inline list mixing a shop handler and our own: the const type parameter keeps each literal.
  const digest = createDigest({ handlers: [orderCreated, ticketEscalated] });

  await digest.record('Ticket.Escalated', { ticket: { number: 1, queue: 'ops' }, minutes: '5' });
  await digest.record('Ticket.Escalated', { ticket: { number: 1, queue: 'ops' }, minutes: '5', priority: 'high', note: 'n' });
  await digest.record('Order.Created', { email_address: 'a@example.com', order_id: 1 });
  await digest.recordMany([
    { type: 'Ticket.Escalated', payload: { ticket: { number: 2, queue: 'ops' }, minutes: '1' } },
    { type: 'Order.Created', payload: { email_address: 'a@example.com', order_id: 2 } },
  ]);

  // @ts-expect-error record() takes the schema's input: minutes is a string before the transform
  await digest.record('Ticket.Escalated', { ticket: { number: 1, queue: 'ops' }, minutes: 5 });
  // @ts-expect-error a nested field of the wrong type
  await digest.record('Ticket.Escalated', { ticket: { number: '1', queue: 'ops' }, minutes: '5' });
  // @ts-expect-error a nested required field missing
  await digest.record('Ticket.Escalated', { ticket: { number: 1 }, minutes: '5' });
  // @ts-expect-error the shop types not in this list are unknown to this client
  await digest.record('Purchase.Requested', {});
  await digest.recordMany([
    // @ts-expect-error the payload of the other type in the list
    { type: 'Ticket.Escalated', payload: { email_address: 'a@example.com', order_id: 2 } },
  ]);
}

export async function untyped(): Promise<void> {
  // No handlers: they come from the schedules file at run time, so any type name and payload are accepted.
  const digest = createDigest();
  assertType<Equal<Omit<typeof digest, 'runNow' | 'close' | keyof RecipientProfiles | keyof Suppressions | keyof Canceller>, Recorder>>(true);
  await digest.record('Anything.At.All', { whatever: 1 });
  await digest.record('Order.Created', { order_id: 'x' });
  await digest.recordMany([{ type: 'Some.Type', payload: 'any json' }, { type: 'Other', payload: null }]);
  const typeName: string = 'Computed.At.Runtime';
  await digest.record(typeName, {});

  // A list of handlers typed only as Handler[] (e.g. loaded dynamically) also leaves record() untyped.
  const list: readonly Handler[] = [ticketEscalated];
  const loose = createDigest({ handlers: list });
  assertType<Equal<Omit<typeof loose, 'runNow' | 'close' | keyof RecipientProfiles | keyof Suppressions | keyof Canceller>, Recorder>>(true);
  await loose.record('Whatever', 1);
}
