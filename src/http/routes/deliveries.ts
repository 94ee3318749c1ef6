/** The outbox over HTTP: list (paged), one delivery with its content and events, retry a dead/failed one. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { App } from '../../app.js';
import { selectDeliveriesPage } from '../../store/read-pages.js';
import { selectDeliveriesByIds } from '../../store/deliveries.js';
import type { DeliverySummary } from '../../store/delivery-row.js';
import { requeueDeliveries } from '../../store/delivery-marks.js';
import { selectDeliveryEvents } from '../../store/event-links.js';
import { DELIVERY_STATUSES, type DeliveryStatus } from '../../types.js';
import { HttpError } from '../errors.js';
import { errorBody, idParams, iso, isoTime, jsonSchema } from '../schema.js';

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 500;

const summaryFields = {
  id: z.int(),
  runId: z.int(),
  eventType: z.string(),
  recipient: z.string(),
  status: z.enum(DELIVERY_STATUSES),
  attempts: z.int(),
  transport: z.string(),
  messageId: z.string().nullable(),
  error: z.string().nullable(),
  nextAttemptAt: isoTime.nullable(),
  createdAt: isoTime,
  sentAt: isoTime.nullable(),
};

const listView = jsonSchema(z.object({
  items: z.array(z.object(summaryFields)),
  nextCursor: z.string().nullable().meta({ description: 'Pass as `cursor` for the next (older) page; null on the last page' }),
}));

const detailView = jsonSchema(z.object({
  ...summaryFields,
  address: z.string().nullable(),
  subject: z.string().nullable(),
  text: z.string().nullable(),
  html: z.string().nullable(),
  events: z.array(z.object({ id: z.int(), occurredAt: isoTime, payload: z.unknown() })),
}));

const summaryOf = (d: DeliverySummary) => ({
  id: d.id, runId: d.runId, eventType: d.eventType, recipient: d.recipient, status: d.status, attempts: d.attempts,
  transport: d.transport, messageId: d.messageId, error: d.error,
  nextAttemptAt: iso(d.nextAttemptAt), createdAt: iso(d.createdAt), sentAt: iso(d.sentAt),
});

interface ListQuery { status?: DeliveryStatus; type?: string; recipient?: string; limit: number; cursor?: string }

export function deliveryRoutes(server: FastifyInstance, app: App): void {
  const db = app.ctx.db;

  server.get<{ Querystring: ListQuery }>('/v1/deliveries', {
    schema: {
      tags: ['deliveries'],
      summary: 'Deliveries, newest first, filtered by status / type / recipient; paged by id',
      querystring: jsonSchema(z.object({
        status: z.enum(DELIVERY_STATUSES).optional(),
        type: z.string().optional(),
        recipient: z.string().optional(),
        limit: z.int().min(1).max(MAX_LIMIT).default(DEFAULT_LIMIT),
        cursor: z.string().regex(/^[1-9]\d{0,15}$/).optional().meta({ description: 'nextCursor of the previous page' }),
      }), 'input'),
      response: { 200: listView, 400: errorBody },
    },
  }, async (request) => {
    const q = request.query;
    const rows = await selectDeliveriesPage(db, {
      status: q.status, type: q.type, recipient: q.recipient, limit: q.limit, beforeId: q.cursor ? Number(q.cursor) : undefined,
    });
    const last = rows.at(-1);
    return { items: rows.map(summaryOf), nextCursor: rows.length === q.limit && last ? String(last.id) : null };
  });

  server.get<{ Params: { id: string } }>('/v1/deliveries/:id', {
    schema: {
      tags: ['deliveries'],
      summary: 'One delivery: its state, rendered content, and the events in it',
      params: idParams,
      response: { 200: detailView, 404: errorBody },
    },
  }, async (request) => {
    const [d] = await selectDeliveriesByIds(db, [Number(request.params.id)]);
    if (!d) throw new HttpError(404, 'not_found', `no delivery ${request.params.id}`);
    const events = await selectDeliveryEvents(db, d.id);
    return {
      ...summaryOf(d), address: d.address, subject: d.subject, text: d.text, html: d.html,
      events: events.map((e) => ({ id: e.id, occurredAt: iso(e.occurredAt), payload: e.payload })),
    };
  });

  server.post<{ Params: { id: string } }>('/v1/deliveries/:id/retry', {
    schema: {
      tags: ['deliveries'],
      summary: 'Re-queue a dead or failed delivery with a fresh set of attempts (like `digest retry`)',
      description: 'A running scheduler sends it within a second. 409 when the delivery is not dead or failed.',
      params: idParams,
      response: { 200: jsonSchema(z.object({ id: z.int(), requeued: z.literal(true) })), 404: errorBody, 409: errorBody },
    },
  }, async (request) => {
    const id = Number(request.params.id);
    // The UPDATE's own WHERE decides (it only touches dead/failed rows); the
    // read is only there to tell "missing" (404) from "wrong state" (409).
    if (await requeueDeliveries(db, { id }, app.ctx.databaseNow?.()) === 1) return { id, requeued: true as const };
    const [d] = await selectDeliveriesByIds(db, [id]);
    if (!d) throw new HttpError(404, 'not_found', `no delivery ${id}`);
    throw new HttpError(409, 'conflict', `delivery ${id} is ${d.status}: only dead or failed deliveries can be retried`, { status: d.status });
  });
}
