/**
 * The suppression list over HTTP: add (POST), list (newest first or by
 * address, paged), remove (DELETE; the address URL-encoded in the path), and
 * the bounce/complaint webhook (POST /v1/bounces): hard bounces and
 * complaints suppress, soft bounces do not. Addresses compare
 * case-insensitively and come back lower-cased.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { App } from '../../app.js';
import { ValidationError } from '../../errors.js';
import { BOUNCE_TYPES, bounceBodySchema } from '../../recipients/bounce-input.js';
import { suppressionInputSchema } from '../../recipients/suppression-input.js';
import { SUPPRESSION_REASONS, type Suppression, type SuppressionCursor } from '../../types.js';
import { HttpError } from '../errors.js';
import { errorBody, iso, isoTime, jsonSchema } from '../schema.js';

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 500;
const ORDERS = ['newest', 'address'] as const;

const suppressionFields = {
  address: z.string().meta({ description: 'Lower-cased' }),
  reason: z.enum(SUPPRESSION_REASONS),
  detail: z.string().nullable(),
  createdAt: isoTime.meta({ description: 'When it was (last) suppressed' }),
};
const suppressionView = jsonSchema(z.object(suppressionFields));
const listView = jsonSchema(z.object({
  items: z.array(z.object(suppressionFields)),
  total: z.int().meta({ description: 'Suppressed addresses in all' }),
  nextCursor: z.string().nullable().meta({ description: 'Pass as `after` (with the same `order`) for the next page; null on the last page' }),
}));
const bouncesView = jsonSchema(z.object({
  results: z.array(z.object({
    type: z.enum(BOUNCE_TYPES),
    address: z.string(),
    action: z.enum(['suppressed', 'ignored']).meta({ description: 'ignored: a soft bounce, which does not suppress' }),
    reason: z.enum(SUPPRESSION_REASONS).nullable(),
  })).meta({ description: 'One per report, in the order given' }),
  suppressed: z.int(),
  ignored: z.int(),
}));
const addressParams = jsonSchema(z.object({ address: z.string().min(1).meta({ description: 'The address, URL-encoded; any case' }) }));

const viewOf = (s: Suppression) => ({ ...s, createdAt: iso(s.createdAt) });

/** Newest-first pages continue after a (created_at, address) pair: `<ISO time>|<address>`, opaque to clients. */
const cursorOf = (order: (typeof ORDERS)[number], last: Suppression) => (order === 'address' ? last.address : `${iso(last.createdAt)}|${last.address}`);

function pageOf(order: (typeof ORDERS)[number], after: string | undefined): SuppressionCursor {
  if (after == null || order === 'address') return order === 'address' ? { order, after } : { order };
  const bar = after.indexOf('|');
  const createdAt = new Date(after.slice(0, bar));
  if (bar < 0 || Number.isNaN(createdAt.getTime())) {
    throw new HttpError(400, 'bad_request', 'after: not a cursor of order "newest" (pass nextCursor of the previous page as it was)');
  }
  return { order, after: { createdAt, address: after.slice(bar + 1) } };
}

const needsBody = (body: unknown, what: string) => {
  if (body == null) throw new ValidationError('request body', [{ path: '', message: `must be JSON (${what})` }]);
};

export function suppressionRoutes(server: FastifyInstance, app: App): void {
  const list = app.suppressions;

  server.post<{ Body: unknown }>('/v1/suppressions', {
    schema: {
      tags: ['suppressions'],
      summary: 'Suppress an address: its deliveries end `suppressed` and nothing more is sent to it',
      description: 'The address is stored lower-cased and matched case-insensitively. `reason` defaults to `manual`. '
        + 'Suppressing an address again replaces its reason, detail and time. A problem is a 422 naming the field.',
      body: jsonSchema(suppressionInputSchema, 'input'),
      response: { 200: suppressionView, 400: errorBody, 422: errorBody },
    },
    // As for PUT /v1/recipients: the body schema documents; suppress() validates, with our paths and words.
    validatorCompiler: () => () => true,
  }, async (request) => {
    needsBody(request.body, 'an object with address, reason?, detail?');
    return viewOf(await list.add(request.body));
  });

  server.get<{ Querystring: { order: (typeof ORDERS)[number]; after?: string; limit: number } }>('/v1/suppressions', {
    schema: {
      tags: ['suppressions'],
      summary: 'Suppressed addresses, newest first (or by address), paged',
      querystring: jsonSchema(z.object({
        order: z.enum(ORDERS).default('newest'),
        after: z.string().optional().meta({ description: 'nextCursor of the previous page' }),
        limit: z.int().min(1).max(MAX_LIMIT).default(DEFAULT_LIMIT),
      }), 'input'),
      response: { 200: listView, 400: errorBody },
    },
  }, async (request) => {
    const { order, after, limit } = request.query;
    const [rows, total] = await Promise.all([list.listSuppressions({ ...pageOf(order, after), limit }), list.countSuppressions()]);
    return { items: rows.map(viewOf), total, nextCursor: rows.length === limit ? cursorOf(order, rows.at(-1)!) : null };
  });

  server.delete<{ Params: { address: string } }>('/v1/suppressions/:address', {
    schema: {
      tags: ['suppressions'],
      summary: 'Remove an address from the suppression list: 204, or 404 when it was not on it',
      description: 'Deliveries already `suppressed` stay so; new ones are sent again.',
      params: addressParams,
      response: { 204: { type: 'null', description: 'Removed' }, 404: errorBody },
    },
  }, async (request, reply) => {
    if (!await list.unsuppress(request.params.address)) {
      throw new HttpError(404, 'not_found', `${JSON.stringify(request.params.address.toLowerCase())} is not suppressed`);
    }
    return reply.code(204).send();
  });

  server.post<{ Body: unknown }>('/v1/bounces', {
    schema: {
      tags: ['suppressions'],
      summary: 'Bounce and complaint reports: hard bounces and complaints suppress the address, soft bounces do not',
      description: 'One report `{ "type": "hard" | "soft" | "complaint", "address": "…", "detail"?: "…" }` or an array of up to 1000. '
        + 'The answer says, per report, what was done. A problem is a 422 naming the field (`[2].type`); then nothing is stored.',
      body: jsonSchema(bounceBodySchema, 'input'),
      response: { 200: bouncesView, 400: errorBody, 422: errorBody },
    },
    validatorCompiler: () => () => true,
  }, async (request) => {
    needsBody(request.body, 'a bounce report or an array of them');
    const results = await list.reportBounces(request.body);
    const suppressed = results.filter((r) => r.action === 'suppressed').length;
    return { results, suppressed, ignored: results.length - suppressed };
  });
}
