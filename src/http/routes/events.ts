/** POST /v1/events (record one or many), GET /v1/events/:id (where an event is now), DELETE (cancel an outstanding one). */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { App } from '../../app.js';
import { EventNotCancellableError, EventNotFoundError } from '../../errors.js';
import { cancelEvent, type CancelTarget } from '../../runner/cancel.js';
import { eventState } from '../../runner/event-state.js';
import { EVENT_STATES } from '../../types.js';
import { selectEventWithDelivery } from '../../store/read-pages.js';
import { HttpError } from '../errors.js';
import { eventBodySchema, parseEventBody } from '../event-input.js';
import type { MetricsHooks } from '../metrics.js';
import { errorBody, idParams, iso, isoTime, jsonSchema } from '../schema.js';

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

  const cancelled = jsonSchema(z.object({
    id: z.int(), type: z.string(), state: z.literal('cancelled'), deliveryId: z.int(),
    already: z.boolean().describe('true: it was cancelled before; this call changed nothing'),
  }));
  const notCancellable = jsonSchema(z.object({
    error: z.literal('not_cancellable'), message: z.string(), id: z.int(), state: z.enum(EVENT_STATES), deliveryId: z.int().nullable(),
  }));
  const cancelResponses = { 200: cancelled, 400: errorBody, 404: errorBody, 409: notCancellable };
  const cancel = async (target: CancelTarget) => {
    try {
      const r = await cancelEvent(app.ctx.db, target, { now: app.ctx.databaseNow?.() });
      if (!r.already) {
        metrics.countCancelled(r.type);
        app.ctx.logger.info({ evt: 'event.cancelled', eventId: r.eventId, type: r.type, deliveryId: r.deliveryId });
      }
      return { id: r.eventId, type: r.type, state: r.state, deliveryId: r.deliveryId, already: r.already };
    } catch (err) {
      if (err instanceof EventNotFoundError) throw new HttpError(404, 'not_found', err.message);
      if (err instanceof EventNotCancellableError) {
        throw new HttpError(409, 'not_cancellable', err.message, { id: err.eventId, state: err.state, deliveryId: err.deliveryId });
      }
      throw err;
    }
  };
  const cancelDescription = 'Takes an outstanding event out of its next digest: it stays stored, as `cancelled`, and is never delivered. '
    + 'An event a run has already claimed, or whose delivery has ended, answers 409 with its state. '
    + 'Cancelling a cancelled event again answers 200 with `already: true`.';

  server.delete<{ Params: { id: string } }>('/v1/events/:id', {
    schema: { tags: ['events'], summary: 'Cancel an outstanding event', description: cancelDescription, params: idParams, response: cancelResponses },
  }, async (request) => cancel({ id: Number(request.params.id) }));

  server.delete<{ Querystring: { type: string; idempotencyKey: string } }>('/v1/events', {
    schema: {
      tags: ['events'],
      summary: 'Cancel an outstanding event by the idempotency key it was recorded with',
      description: cancelDescription,
      querystring: jsonSchema(z.object({ type: z.string().min(1), idempotencyKey: z.string().min(1).max(191) })),
      response: cancelResponses,
    },
  }, async (request) => cancel({ type: request.query.type, idempotencyKey: request.query.idempotencyKey }));
}
