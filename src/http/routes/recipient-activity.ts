/**
 * GET /v1/recipients/:key/activity — one recipient on one page: the profile
 * (if one is stored), their deliveries newest first and their outstanding
 * events across types. Each list is one index walk
 * (digest_deliveries_recipient, digest_events_recipient), paged by id.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { App } from '../../app.js';
import { countRecipientOutstanding, selectDeliveriesPage, selectRecipientOutstandingPage } from '../../store/read-pages.js';
import { errorBody, iso, isoTime, jsonSchema } from '../schema.js';
import { summaryFields, summaryOf } from './deliveries.js';
import { profileFields, viewOf } from './recipients.js';

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 500;
const cursor = z.string().regex(/^[1-9]\d{0,15}$/);

const activityView = jsonSchema(z.object({
  recipient: z.string(),
  profile: z.object(profileFields).nullable().meta({ description: 'null: no profile stored (every type uses its defaults)' }),
  deliveries: z.object({
    items: z.array(z.object(summaryFields)),
    nextCursor: z.string().nullable().meta({ description: 'Pass as `cursor` (or to GET /v1/deliveries?recipient=…&cursor=…) for older ones' }),
  }),
  outstanding: z.object({
    count: z.int().meta({ description: 'All the recipient\'s unclaimed events, across types (delayed and held ones included)' }),
    items: z.array(z.object({ id: z.int(), type: z.string(), occurredAt: isoTime, payload: z.unknown() })),
    nextCursor: z.string().nullable().meta({ description: 'Pass as `outstandingCursor` for older ones' }),
  }),
}));

export function recipientActivityRoutes(server: FastifyInstance, app: App): void {
  const db = app.ctx.db;
  server.get<{ Params: { key: string }; Querystring: { limit: number; cursor?: string; outstandingCursor?: string } }>('/v1/recipients/:key/activity', {
    schema: {
      tags: ['recipients'],
      summary: 'A recipient\'s profile, deliveries (newest first) and outstanding events across types: the dashboard\'s recipient page',
      description: 'Answers for any key, profile or not: a recipient is whoever the events name.',
      params: jsonSchema(z.object({ key: z.string().min(1).meta({ description: 'The recipient key, URL-encoded' }) })),
      querystring: jsonSchema(z.object({
        limit: z.int().min(1).max(MAX_LIMIT).default(DEFAULT_LIMIT).meta({ description: 'Page size of both lists' }),
        cursor: cursor.optional().meta({ description: 'deliveries.nextCursor of the previous page' }),
        outstandingCursor: cursor.optional().meta({ description: 'outstanding.nextCursor of the previous page' }),
      }), 'input'),
      response: { 200: activityView, 400: errorBody },
    },
  }, async (request) => {
    const recipient = request.params.key;
    const { limit } = request.query;
    const [profile, deliveries, count, events] = await Promise.all([
      app.recipients.getRecipient(recipient),
      selectDeliveriesPage(db, { recipient, limit, beforeId: request.query.cursor ? Number(request.query.cursor) : undefined }),
      countRecipientOutstanding(db, recipient),
      selectRecipientOutstandingPage(db, recipient, {
        limit, beforeId: request.query.outstandingCursor ? Number(request.query.outstandingCursor) : undefined,
      }),
    ]);
    const next = (rows: Array<{ id: number }>) => (rows.length === limit ? String(rows.at(-1)!.id) : null);
    return {
      recipient,
      profile: profile ? viewOf(profile) : null,
      deliveries: { items: deliveries.map(summaryOf), nextCursor: next(deliveries) },
      outstanding: {
        count,
        items: events.map((e) => ({ id: e.id, type: e.type, occurredAt: iso(e.occurredAt), payload: e.payload })),
        nextCursor: next(events),
      },
    };
  });
}
