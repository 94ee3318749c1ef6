/** POST /v1/events (record one or many) and GET /v1/events/:id (where an event is now). */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { App } from '../../app.js';
import { selectEventWithDelivery, type EventWithDelivery } from '../../store/read-pages.js';
import { HttpError } from '../errors.js';
import { eventBodySchema, parseEventBody } from '../event-input.js';
import type { MetricsHooks } from '../metrics.js';
import { errorBody, idParams, iso, isoTime, jsonSchema } from '../schema.js';

const EVENT_STATES = ['outstanding', 'claimed', 'sent', 'failed', 'dead', 'suppressed'] as const;
type EventState = (typeof EVENT_STATES)[number];

/**
 * An event's state is its delivery's: unclaimed → outstanding; pending/sending
 * → claimed; then sent, failed (will retry), dead, or suppressed (processed,
 * but nothing was sent: the address is suppressed).
 */
export function eventState(e: Pick<EventWithDelivery, 'deliveryId' | 'deliveryStatus' | 'processedAt'>): EventState {
  if (e.deliveryStatus === 'suppressed') return 'suppressed';
  if (e.processedAt) return 'sent';
  if (e.deliveryId == null) return 'outstanding';
  switch (e.deliveryStatus) {
    case 'sent': return 'sent';
    case 'failed': return 'failed';
    case 'dead': return 'dead';
    default: return 'claimed';
  }
}

const eventView = jsonSchema(z.object({
  id: z.int(),
  type: z.string(),
  recipient: z.string(),
  occurredAt: isoTime,
  availableAt: isoTime,
  recordedAt: isoTime,
  state: z.enum(EVENT_STATES),
  deliveryId: z.int().nullable(),
  sentAt: isoTime.nullable(),
  error: z.string().nullable(),
}));

export function eventRoutes(server: FastifyInstance, app: App, metrics: MetricsHooks): void {
  server.post('/v1/events', {
    schema: {
      tags: ['events'],
      summary: 'Record one event, or an array of up to 1,000 (all or nothing)',
      description: 'Validated exactly like record(): a payload that fails its type\'s schema is a 422 naming each field. '
        + 'The Idempotency-Key header applies to a single event; the same key for the same type returns the same id.',
      headers: jsonSchema(z.object({ 'idempotency-key': z.string().optional() })),
      body: eventBodySchema(app.ctx.registry),
      response: {
        201: jsonSchema(z.union([z.object({ id: z.int() }), z.object({ ids: z.array(z.int()) })])),
        400: errorBody,
        413: errorBody,
        422: errorBody,
      },
    },
    // The body schema documents each type's payload; validating it is
    // record()'s job (zod, the handler's schema), not Ajv's — Ajv would
    // coerce "5" into 5 and word its errors differently. parseEventBody checks the envelope.
    validatorCompiler: () => () => true,
  }, async (request, reply) => {
    // Node joins repeated headers into "k1, k2": count the raw ones instead.
    if (request.raw.rawHeaders.filter((h, i) => i % 2 === 0 && h.toLowerCase() === 'idempotency-key').length > 1) {
      throw new HttpError(400, 'bad_request', 'Idempotency-Key given more than once: send one key');
    }
    const header = request.headers['idempotency-key'];
    const batch = parseEventBody(request.body, Array.isArray(header) ? header[0] : header);
    if (batch.single) {
      const [e] = batch.events;
      const id = await app.recorder.record(e.type, e.payload, { idempotencyKey: e.idempotencyKey, occurredAt: e.occurredAt, availableAt: e.availableAt });
      metrics.countRecorded(e.type);
      return reply.code(201).send({ id });
    }
    const ids = await app.recorder.recordMany(batch.events);
    const perType = new Map<string, number>();
    for (const e of batch.events) perType.set(e.type, (perType.get(e.type) ?? 0) + 1);
    for (const [type, n] of perType) metrics.countRecorded(type, n);
    return reply.code(201).send({ ids });
  });

  server.get<{ Params: { id: string } }>('/v1/events/:id', {
    schema: {
      tags: ['events'],
      summary: 'An event and the state of its delivery',
      params: idParams,
      response: { 200: eventView, 404: errorBody },
    },
  }, async (request) => {
    const e = await selectEventWithDelivery(app.ctx.db, Number(request.params.id));
    if (!e) throw new HttpError(404, 'not_found', `no event ${request.params.id}`);
    return {
      id: e.id, type: e.type, recipient: e.recipient,
      occurredAt: iso(e.occurredAt), availableAt: iso(e.availableAt), recordedAt: iso(e.recordedAt),
      state: eventState(e), deliveryId: e.deliveryId, sentAt: iso(e.sentAt), error: e.error,
    };
  });
}
