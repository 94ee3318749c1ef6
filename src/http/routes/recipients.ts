/**
 * Recipient profiles over HTTP: PUT (replace whole), GET one, list (paged by
 * key), DELETE. The key is the recipient key the events carry, URL-encoded in
 * the path (`ann%40shop.example`, `a%2Fb`): it may hold any character.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { App } from '../../app.js';
import { ValidationError } from '../../errors.js';
import { profileSchema } from '../../recipients/profile.js';
import { FREQUENCIES, type StoredRecipientProfile, WEEKDAYS } from '../../types.js';
import { HttpError } from '../errors.js';
import { errorBody, iso, isoTime, jsonSchema } from '../schema.js';

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 500;

export const profileFields = {
  recipient: z.string(),
  timeZone: z.string().nullable().meta({ description: 'IANA time zone; null: the type\'s' }),
  locale: z.string().nullable().meta({ description: 'BCP 47 language tag, canonical' }),
  quietHours: z.object({ start: z.string(), end: z.string() }).nullable()
    .meta({ description: 'Local HH:MM times; start after end wraps midnight (22:00 to 07:00)' }),
  preferences: z.record(z.string(), z.object({
    frequency: z.enum(FREQUENCIES), at: z.string().optional(), day: z.enum(WEEKDAYS).optional(),
  })).meta({ description: 'By event type; a type not listed gets its defaults' }),
  updatedAt: isoTime,
};
const profileView = jsonSchema(z.object(profileFields));
const listView = jsonSchema(z.object({
  items: z.array(z.object(profileFields)),
  nextCursor: z.string().nullable().meta({ description: 'Pass as `after` for the next page; null on the last page' }),
}));
const keyParams = jsonSchema(z.object({ key: z.string().min(1).meta({ description: 'The recipient key, URL-encoded' }) }));

export const viewOf = (p: StoredRecipientProfile) => ({ ...p, updatedAt: iso(p.updatedAt) });
const notFound = (key: string) => new HttpError(404, 'not_found', `no profile for recipient ${JSON.stringify(key)} (every type uses its defaults)`);

export function recipientRoutes(server: FastifyInstance, app: App): void {
  const book = app.recipients;

  server.put<{ Params: { key: string }; Body: unknown }>('/v1/recipients/:key', {
    schema: {
      tags: ['recipients'],
      summary: 'Set a recipient\'s profile, replacing the whole of it (a part left out is cleared)',
      description: 'Checked like setRecipient(): a problem is a 422 naming each field (`timeZone`, `preferences.Order.Created.at` …). '
        + 'Preferences may name only configured event types. Messages are rendered in the profile\'s locale and time zone; quiet hours and preferences are not applied yet.',
      params: keyParams,
      body: jsonSchema(profileSchema(app.ctx.registry.types()), 'input'),
      response: { 200: profileView, 400: errorBody, 422: errorBody },
    },
    // As for POST /v1/events: the body schema documents; setRecipient validates, with our paths and words.
    validatorCompiler: () => () => true,
  }, async (request) => {
    if (request.body == null) throw new ValidationError('request body', [{ path: '', message: 'must be a JSON object (the profile)' }]);
    return viewOf(await book.setRecipient(request.params.key, request.body));
  });

  server.get<{ Params: { key: string } }>('/v1/recipients/:key', {
    schema: {
      tags: ['recipients'],
      summary: 'A recipient\'s profile; 404 when none is stored (every type\'s defaults apply)',
      params: keyParams,
      response: { 200: profileView, 404: errorBody },
    },
  }, async (request) => {
    const p = await book.getRecipient(request.params.key);
    if (!p) throw notFound(request.params.key);
    return viewOf(p);
  });

  server.get<{ Querystring: { after?: string; limit: number } }>('/v1/recipients', {
    schema: {
      tags: ['recipients'],
      summary: 'Recipient profiles in recipient order, paged by key',
      querystring: jsonSchema(z.object({
        after: z.string().optional().meta({ description: 'nextCursor of the previous page: only recipients after it' }),
        limit: z.int().min(1).max(MAX_LIMIT).default(DEFAULT_LIMIT),
      }), 'input'),
      response: { 200: listView, 400: errorBody },
    },
  }, async (request) => {
    const { after, limit } = request.query;
    const rows = await book.listRecipients({ after, limit });
    return { items: rows.map(viewOf), nextCursor: rows.length === limit ? rows.at(-1)!.recipient : null };
  });

  server.delete<{ Params: { key: string } }>('/v1/recipients/:key', {
    schema: {
      tags: ['recipients'],
      summary: 'Delete a recipient\'s profile: 204, or 404 when none was stored',
      params: keyParams,
      response: { 204: { type: 'null', description: 'Deleted' }, 404: errorBody },
    },
  }, async (request, reply) => {
    if (!await book.deleteRecipient(request.params.key)) throw notFound(request.params.key);
    return reply.code(204).send();
  });
}
