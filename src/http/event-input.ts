/**
 * The body of POST /v1/events: one event or an array of up to 1,000. Only
 * the envelope is checked here; the payload is checked by record(), with the
 * handler's own schema, so HTTP and library producers get the same answers.
 */
import { z } from 'zod';
import { ValidationError, type Issue } from '../errors.js';
import { eventTimeSchema } from '../event-time.js';
import type { Registry } from '../handlers/registry.js';
import type { EventInput } from '../record.js';
import { jsonSchema, type JsonSchema } from './schema.js';

export const MAX_EVENTS_PER_REQUEST = 1_000;

const time = eventTimeSchema;
const envelopeFields = {
  idempotencyKey: z.string().optional().meta({ description: 'The same key for the same type returns the same id and records nothing' }),
  occurredAt: time.optional(),
  availableAt: time.optional().meta({ description: 'Not processed before this time (delayed events)' }),
};
const envelope = z.object({ type: z.string(), payload: z.unknown(), ...envelopeFields });
const body = z.union([envelope, z.array(envelope).min(1).max(MAX_EVENTS_PER_REQUEST)]);

export type EventBatch = { single: true; events: [EventInput] } | { single: false; events: EventInput[] };

const toInput = (e: z.infer<typeof envelope>): EventInput => ({
  type: e.type,
  payload: e.payload,
  idempotencyKey: e.idempotencyKey,
  occurredAt: e.occurredAt ? new Date(e.occurredAt) : undefined,
  availableAt: e.availableAt ? new Date(e.availableAt) : undefined,
});

/** `[2].occurredAt`, the path style record() uses for batches. */
const issuePath = (path: readonly PropertyKey[]) =>
  path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('');

/** Parses the body; the `Idempotency-Key` header applies to a single event only. Throws ValidationError. */
export function parseEventBody(raw: unknown, headerKey: string | undefined): EventBatch {
  const parsed = body.safeParse(raw);
  if (!parsed.success) {
    // A union reports "no branch matched"; report the branch the client meant instead.
    const branch = Array.isArray(raw) ? z.array(envelope).min(1).max(MAX_EVENTS_PER_REQUEST) : envelope;
    const issues: Issue[] = (branch.safeParse(raw).error ?? parsed.error).issues
      .map((i) => ({ path: issuePath(i.path), message: i.message }));
    throw new ValidationError('request body', issues);
  }
  const data = parsed.data;
  if (Array.isArray(data)) {
    if (headerKey != null) {
      throw new ValidationError('request', [{ path: 'Idempotency-Key', message: 'applies to a single event; give each event of an array its own idempotencyKey' }]);
    }
    return { single: false, events: data.map(toInput) };
  }
  if (headerKey != null && data.idempotencyKey != null && data.idempotencyKey !== headerKey) {
    throw new ValidationError('request', [{ path: 'Idempotency-Key', message: 'differs from the body\'s idempotencyKey' }]);
  }
  return { single: true, events: [{ ...toInput(data), idempotencyKey: headerKey ?? data.idempotencyKey }] };
}

/**
 * For the OpenAPI document: one variant per known event type, each with its
 * handler's payload schema, so producers in other languages see the contract.
 */
export function eventBodySchema(registry: Registry): JsonSchema {
  const envelopeSchema = jsonSchema(z.object({ type: z.string(), payload: z.unknown(), ...envelopeFields }), 'input');
  const variants = registry.types().map((type) => ({
    ...envelopeSchema,
    properties: { ...(envelopeSchema.properties as JsonSchema), type: { type: 'string', const: type }, payload: registry.require(type).jsonSchema() },
    required: ['type', 'payload'],
  }));
  const one = variants.length ? { anyOf: variants } : envelopeSchema;
  return { anyOf: [one, { type: 'array', items: one, minItems: 1, maxItems: MAX_EVENTS_PER_REQUEST }] };
}
