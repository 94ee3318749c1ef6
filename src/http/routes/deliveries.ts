/** The outbox over HTTP: find (filtered, searched, paged), one delivery with its content, headers and events, retry a dead/failed one, replay a sent one. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { App } from '../../app.js';
import { type DeliveryPageQuery, selectDeliveriesPage, selectEventDeliveryId, selectFirstDeliveryIdCreatedFrom } from '../../store/read-pages.js';
import { selectDeliveriesByIds } from '../../store/deliveries.js';
import type { DeliverySummary } from '../../store/delivery-row.js';
import { requeueDeliveries } from '../../store/delivery-marks.js';
import { selectDeliveryEvents } from '../../store/event-links.js';
import { DigestError } from '../../errors.js';
import { replayDelivery } from '../../runner/replay.js';
import { DELIVERY_STATUSES, type DeliveryStatus } from '../../types.js';
import { deliveryHeaders } from '../delivery-headers.js';
import { parseDeliverySearch } from '../delivery-search.js';
import { HttpError } from '../errors.js';
import { errorBody, idParams, iso, isoTime, jsonSchema } from '../schema.js';

const DEFAULT_LIMIT = 50;
/** What `replayDelivery` refuses (as `digest replay` does), answered 409 with the code as `reason`. */
const REPLAY_REFUSALS: Record<string, string> = {
  NOT_SENT: 'not_sent', SUPPRESSED: 'suppressed', NO_TRANSPORT: 'no_transport', PULL_TRANSPORT: 'pull_transport',
};
const MAX_LIMIT = 500;

export const summaryFields = {
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
  headers: z.record(z.string(), z.string()).meta({
    description: 'The header fields the message carries, derived as the send derives them: Message-ID (once an attempt stored it), From/To/Subject for mail transports, X-Digest-Event-Type, List-Unsubscribe(-Post) when configured. Not Date or the MIME fields.',
  }),
  events: z.array(z.object({ id: z.int(), occurredAt: isoTime, payload: z.unknown() })),
}));

export const summaryOf = (d: DeliverySummary) => ({
  id: d.id, runId: d.runId, eventType: d.eventType, recipient: d.recipient, status: d.status, attempts: d.attempts,
  transport: d.transport, messageId: d.messageId, error: d.error,
  nextAttemptAt: iso(d.nextAttemptAt), createdAt: iso(d.createdAt), sentAt: iso(d.sentAt),
});

interface ListQuery {
  status?: DeliveryStatus; type?: string; recipient?: string; from?: string; to?: string; q?: string; limit: number; cursor?: string;
}

/** `from`/`to` as Dates; a clear 400 naming the field when one is not a time. */
function timeParam(field: 'from' | 'to', value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const d = new Date(value);
  if (!/^\d{4}-\d\d-\d\dT/.test(value) || Number.isNaN(d.getTime())) {
    throw new HttpError(400, 'validation', `${field}: must be an ISO 8601 date-time (2026-12-01T13:00:00Z)`, {
      issues: [{ path: field, message: 'must be an ISO 8601 date-time' }],
    });
  }
  return d;
}

export function deliveryRoutes(server: FastifyInstance, app: App): void {
  const db = app.ctx.db;

  server.get<{ Querystring: ListQuery }>('/v1/deliveries', {
    schema: {
      tags: ['deliveries'],
      summary: 'Find deliveries, newest first: by status / type / recipient / creation time range, or search `q`; paged by id',
      description: 'Filters combine (AND). Each combination is served by an index (EXPLAIN-checked in test/db/delivery-find.test.ts): a page costs its rows, not the table.',
      querystring: jsonSchema(z.object({
        status: z.enum(DELIVERY_STATUSES).optional(),
        type: z.string().optional(),
        recipient: z.string().optional().meta({ description: 'Exact recipient key' }),
        from: z.string().optional().meta({ description: 'Created at or after (ISO 8601 date-time)' }),
        to: z.string().optional().meta({ description: 'Created before (ISO 8601 date-time)' }),
        q: z.string().min(1).max(400).optional().meta({
          description: 'Search: a Message-ID (`<delivery.12@x>` or `delivery.12@x`), an event id (`event:123` or `123`: the delivery it went into), or else an exact recipient key',
        }),
        limit: z.int().min(1).max(MAX_LIMIT).default(DEFAULT_LIMIT),
        cursor: z.string().regex(/^[1-9]\d{0,15}$/).optional().meta({ description: 'nextCursor of the previous page' }),
      }), 'input'),
      response: { 200: listView, 400: errorBody },
    },
  }, async (request) => {
    const q = request.query;
    const empty = { items: [], nextCursor: null };
    const from = timeParam('from', q.from);
    const to = timeParam('to', q.to);
    const filter: DeliveryPageQuery = {
      status: q.status, type: q.type, recipient: q.recipient, from, to, limit: q.limit, beforeId: q.cursor ? Number(q.cursor) : undefined,
    };
    let messageId: string | undefined;
    if (q.q !== undefined) {
      const search = parseDeliverySearch(q.q);
      if (search.kind === 'recipient') {
        if (filter.recipient !== undefined && filter.recipient !== search.recipient) return empty;
        filter.recipient = search.recipient;
      } else if (search.kind === 'event') {
        const id = await selectEventDeliveryId(db, search.eventId);
        if (id == null) return empty;
        filter.id = id;
      } else {
        filter.id = search.deliveryId;
        messageId = search.messageId;
      }
    }
    // A time range as an id range (see selectDeliveriesPage): nothing created since `from` → nothing to show.
    if (from) {
      filter.fromId = await selectFirstDeliveryIdCreatedFrom(db, from);
      if (filter.fromId === undefined) return empty;
    }
    if (to) filter.toId = await selectFirstDeliveryIdCreatedFrom(db, to);
    let rows = await selectDeliveriesPage(db, filter);
    // Another installation's Message-ID names the same id but not this row: the stored one must match.
    if (messageId !== undefined) rows = rows.filter((d) => d.messageId === messageId);
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
      ...summaryOf(d), address: d.address, subject: d.subject, text: d.text, html: d.html, headers: deliveryHeaders(app.ctx.config, d),
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

  server.post<{ Params: { id: string } }>('/v1/deliveries/:id/replay', {
    schema: {
      tags: ['deliveries'],
      summary: 'Re-send a sent delivery exactly as it was stored (like `digest replay`): same address, content and Message-ID; its state does not change',
      description: 'Sent now, through the transport its type is configured with, before the answer. 409 with a `reason` when replay refuses: '
        + '`not_sent` (not sent: retry a dead/failed one instead), `suppressed` (its address is on the suppression list), '
        + '`pull_transport` (its consumers send it), `no_transport` (its type is no longer configured). 502 when the transport fails the send.',
      params: idParams,
      response: { 200: jsonSchema(z.object({ id: z.int(), replayed: z.literal(true) })), 400: errorBody, 404: errorBody, 409: errorBody, 502: errorBody },
    },
  }, async (request) => {
    const id = Number(request.params.id);
    try {
      await replayDelivery(app.ctx, id);
    } catch (err) {
      if (!(err instanceof DigestError)) throw err;
      if (err.code === 'NOT_FOUND') throw new HttpError(404, 'not_found', `no delivery ${id}`);
      const reason = REPLAY_REFUSALS[err.code];
      if (reason) throw new HttpError(409, 'conflict', err.message, { reason });
      // The send failed (SEND_FAILED, PERMANENT_DELIVERY, TRANSPORT_UNAVAILABLE): its message is the remote reply, never the body.
      throw new HttpError(502, 'send_failed', err.code === 'SEND_FAILED' ? err.message : `delivery ${id} was not replayed: ${err.message}`);
    }
    return { id, replayed: true as const };
  });
}
