/**
 * One place that turns errors into HTTP answers, so every route speaks the
 * same error shapes (`{ error, message?, … }`) and no stack trace or driver
 * message ever reaches a client. 5xx are logged; 4xx are the client's business.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import { UnknownEventTypeError, ValidationError } from '../errors.js';
import type { Logger } from '../log.js';
import { isConnectionError } from '../store/errors.js';

/** A deliberate HTTP answer from a route (404, 409 …) with a stable `error` kind. */
export class HttpError extends Error {
  constructor(readonly statusCode: number, readonly kind: string, message: string, readonly extra: Record<string, unknown> = {}) {
    super(message);
  }
}

/** Fastify's own client errors, by code: a stable kind instead of its message text. */
const FASTIFY_KINDS: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_JSON_BODY: 'malformed_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'malformed_json',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
};

/** Ajv's `instancePath` (`/limit`) as our issue path (`limit`), prefixed by where it was (querystring, params). */
const ajvIssues = (err: FastifyError) => (err.validation ?? []).map((v) => ({
  path: [err.validationContext, ...v.instancePath.split('/').filter(Boolean)].filter(Boolean).join('.'),
  message: v.message ?? 'is invalid',
}));

export function installErrorHandler(server: FastifyInstance, logger: Logger): void {
  server.setErrorHandler((err: FastifyError, request, reply) => {
    if (err instanceof HttpError) return reply.code(err.statusCode).send({ error: err.kind, message: err.message, ...err.extra });
    if (err instanceof ValidationError) {
      return reply.code(422).send({ error: 'validation', message: err.message, issues: err.issues });
    }
    if (err instanceof UnknownEventTypeError) {
      return reply.code(422).send({ error: 'unknown_event_type', message: err.message, knownTypes: err.known });
    }
    if (err.validation) {
      return reply.code(400).send({ error: 'bad_request', message: err.message, issues: ajvIssues(err) });
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      return reply.code(err.statusCode).send({ error: FASTIFY_KINDS[err.code] ?? 'bad_request', message: err.message });
    }
    // The database is down or restarting: 503 tells producers to retry, not that their request was wrong.
    if (isConnectionError(err)) {
      logger.warn({ evt: 'http.unavailable', method: request.method, route: request.routeOptions.url, err: err.message });
      return reply.code(503).send({ error: 'unavailable', message: 'database unavailable, retry later' });
    }
    logger.error({ evt: 'http.error', method: request.method, route: request.routeOptions.url, err: err.message, stack: err.stack });
    return reply.code(500).send({ error: 'internal', message: 'internal error' });
  });
  server.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ error: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` });
  });
}
