/**
 * Pull consumers over HTTP (runner/pull.ts): lease rendered deliveries of a
 * `pull` transport, then ack (sent) or nack (failed) each with the lease
 * token. A wrong or stale token is a 409: the delivery is, or may soon be,
 * another consumer's.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { App } from '../../app.js';
import { ackPull, isPullTransport, leasePull, nackPull, type PullSettled } from '../../runner/pull.js';
import { HttpError } from '../errors.js';
import { DEFAULT_VISIBILITY, parseVisibility } from '../pull-input.js';
import { errorBody, idParams, iso, isoTime, jsonSchema } from '../schema.js';

export const MAX_LEASE = 1000;

const leaseToken = z.string().min(1).max(64).meta({ description: 'The `leaseToken` of the lease that returned the delivery' });

const leaseView = jsonSchema(z.object({
  leaseToken: z.string().meta({ description: 'One token for this lease; each delivery carries it too' }),
  deliveries: z.array(z.object({
    id: z.int(),
    leaseToken: z.string(),
    leaseUntil: isoTime.meta({ description: 'Ack or nack before this; afterwards another consumer may lease it' }),
    eventType: z.string(),
    recipient: z.string(),
    attempt: z.int().meta({ description: '1 on the first lease; a nacked delivery comes back with the next' }),
    to: z.string().meta({ description: 'The address to send to' }),
    subject: z.string().nullable(),
    text: z.string().nullable(),
    html: z.string().nullable(),
    messageId: z.string().meta({ description: 'Stable per delivery: send it as the Message-ID, so a receiver can drop a duplicate' }),
    headers: z.record(z.string(), z.string()).meta({ description: 'Header fields to set: Message-ID, X-Digest-Event-Type, List-Unsubscribe(-Post) when configured' }),
    events: z.array(z.object({ id: z.int(), type: z.string() })).meta({ description: 'The events in this delivery' }),
  })),
}));

const settledView = jsonSchema(z.object({
  id: z.int(),
  status: z.enum(['sent', 'failed', 'dead']),
  retryInMs: z.int().optional().meta({ description: 'failed: when it is handed to consumers again (ready after the backoff)' }),
}));

const conflictOr404 = (id: number, s: PullSettled): never => {
  if (s.outcome === 'missing') throw new HttpError(404, 'not_found', `no delivery ${id}`);
  const status = s.outcome === 'not_held' ? s.status : 'leased';
  throw new HttpError(409, 'conflict',
    `delivery ${id} is not held by this lease token (it is ${status}): the lease is wrong, or it ran out and another consumer leased it`, { status });
};

export function pullRoutes(server: FastifyInstance, app: App): void {
  const ctx = app.ctx;

  server.post<{ Params: { transport: string }; Querystring: { max: number; visibility: string } }>('/v1/pull/:transport/lease', {
    schema: {
      tags: ['pull'],
      summary: 'Lease up to `max` rendered deliveries of a pull transport for `visibility`',
      description: 'Each returned delivery is held by this caller alone until `leaseUntil`: ack it once sent, nack it when the send failed. '
        + 'One not acked in time returns to the pool and may be leased again (with the same Message-ID). An empty list: nothing is waiting. '
        + '404 when the transport is not a configured `kind: pull` transport.',
      params: jsonSchema(z.object({ transport: z.string().min(1).max(64) })),
      querystring: jsonSchema(z.object({
        max: z.int().min(1).max(MAX_LEASE).default(10).meta({ description: `Most deliveries to lease (1..${MAX_LEASE})` }),
        visibility: z.string().default(DEFAULT_VISIBILITY).meta({ description: 'How long they are held: 30s, 5m, 1h, 1500ms (1s..12h)' }),
      }), 'input'),
      response: { 200: leaseView, 400: errorBody, 404: errorBody },
    },
  }, async (request) => {
    const { transport } = request.params;
    const visibilityMs = parseVisibility(request.query.visibility);
    if (visibilityMs instanceof Error) {
      throw new HttpError(400, 'bad_request', `visibility: ${visibilityMs.message}`, { issues: [{ path: 'querystring.visibility', message: visibilityMs.message }] });
    }
    if (!isPullTransport(ctx, transport)) throw new HttpError(404, 'not_found', `no pull transport ${JSON.stringify(transport)} in the schedules config`);
    const lease = await leasePull(ctx, transport, { max: request.query.max, visibilityMs });
    return { leaseToken: lease.leaseToken, deliveries: lease.deliveries.map((d) => ({ ...d, leaseUntil: iso(d.leaseUntil) })) };
  });

  server.post<{ Params: { id: string }; Body: { leaseToken: string } }>('/v1/pull/deliveries/:id/ack', {
    schema: {
      tags: ['pull'],
      summary: 'The consumer sent a leased delivery: marks it sent and its events processed',
      description: 'Accepted after `leaseUntil` too, as long as no other consumer has leased the delivery since. '
        + '409 when this token does not hold it (wrong token, leased again by another consumer, already acked or nacked).',
      params: idParams,
      body: jsonSchema(z.object({ leaseToken }), 'input'),
      response: { 200: settledView, 400: errorBody, 404: errorBody, 409: errorBody },
    },
  }, async (request) => {
    const id = Number(request.params.id);
    const settled = await ackPull(ctx, id, request.body.leaseToken);
    if (settled.outcome !== 'sent') return conflictOr404(id, settled);
    return { id, status: 'sent' as const };
  });

  server.post<{ Params: { id: string }; Body: { leaseToken: string; reason: string; permanent?: boolean } }>('/v1/pull/deliveries/:id/nack', {
    schema: {
      tags: ['pull'],
      summary: 'The consumer could not send a leased delivery: a failed attempt (retried after a backoff, dead after maxAttempts)',
      description: '`reason` is stored as the delivery\'s error. `permanent: true` (the address was refused for good) makes it dead at once. '
        + '409 when this token does not hold it.',
      params: idParams,
      body: jsonSchema(z.object({
        leaseToken,
        reason: z.string().min(1).max(4000).meta({ description: 'Why the send failed (no message content, please: it is stored and logged)' }),
        permanent: z.boolean().optional(),
      }), 'input'),
      response: { 200: settledView, 400: errorBody, 404: errorBody, 409: errorBody },
    },
  }, async (request) => {
    const id = Number(request.params.id);
    const settled = await nackPull(ctx, id, request.body.leaseToken, request.body.reason, request.body.permanent === true);
    if (settled.outcome === 'failed') return { id, status: 'failed' as const, retryInMs: settled.retryInMs };
    if (settled.outcome === 'dead') return { id, status: 'dead' as const };
    return conflictOr404(id, settled);
  });
}
