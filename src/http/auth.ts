/**
 * Bearer-token auth (`Authorization: Bearer <DIGEST_API_TOKEN>`) on every
 * route but the health probes, static doc assets and unsubscribe links. It
 * runs in onRequest, before the body is read, so an unauthenticated client
 * cannot make us parse a megabyte of JSON.
 *
 * Without a token configured the server binds to loopback only (see
 * listen()); as a second line of defence, requests are then accepted only
 * when they come from a loopback address, for a loopback Host, and without a
 * foreign Origin.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { UNSUBSCRIBE_PATH } from '../unsubscribe/link.js';

/**
 * Probes must work without credentials (load balancers, kubelets). The
 * dashboard page (`/`, its /dashboard/app.js and app.css) and the docs UI's JS/CSS carry no data and a browser
 * cannot attach a header to them; the data they show comes from the API, with the token.
 */
const PUBLIC = [/^\/healthz(\?|$)/, /^\/readyz(\?|$)/, /^\/(\?|$)/, /^\/dashboard\/app\.(js|css)(\?|$)/, /^\/docs\/static\//];

/**
 * The OpenAPI document and its docs page describe the API and hold no data:
 * open by default so they open in a browser; DIGEST_PROTECT_DOCS=1 puts them
 * behind the token like the rest.
 */
const DOCS = [/^\/docs(\/|\?|$)/, /^\/openapi\.json(\?|$)/];

/**
 * Constant-time comparison: hashing first gives both sides the same length,
 * so neither the content nor the length of the token leaks through timing.
 */
export function tokenMatches(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

const isLoopback = (addr: string | undefined) =>
  addr != null && (addr === '::1' || addr.startsWith('127.') || addr.startsWith('::ffff:127.'));

/**
 * Without a token, a loopback address is not enough: a web page in a browser
 * on this host can reach 127.0.0.1 too — through a DNS name rebound to it
 * (its Host is that name) or with a cross-site POST (its Origin is that
 * site). Only this server's own loopback names, with its port, are accepted.
 */
function ownLoopbackHost(request: FastifyRequest): boolean {
  const port = request.socket.localPort;
  const names = ['localhost', '127.0.0.1', '[::1]'].flatMap((h) => [`${h}:${port}`, ...(port === 80 ? [h] : [])]);
  const host = request.headers.host?.toLowerCase();
  if (host == null || !names.includes(host)) return false;
  const origin = request.headers.origin?.toLowerCase();
  return origin == null || names.some((n) => origin === `http://${n}`);
}

function bearer(request: FastifyRequest): string | undefined {
  const m = /^Bearer[ ]+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  return m?.[1];
}

/** One-click unsubscribe links (routes/unsubscribe.ts): the signed token in the path is their credential. */
const UNSUBSCRIBE = new RegExp(`^${UNSUBSCRIBE_PATH}/[^/?]+(\\?|$)`);

export function installAuth(server: FastifyInstance, token: string | undefined, opts: { protectDocs?: boolean; unsubscribe?: boolean } = {}): void {
  const open = [...PUBLIC, ...(opts.protectDocs ? [] : DOCS), ...(opts.unsubscribe ? [UNSUBSCRIBE] : [])];
  server.addHook('onRequest', async (request, reply) => {
    if (open.some((p) => p.test(request.url))) return;
    if (token == null ? isLoopback(request.socket.remoteAddress) && ownLoopbackHost(request) : tokenMatches(bearer(request) ?? '', token)) return;
    if (token == null && isLoopback(request.socket.remoteAddress)) {
      return reply.code(403).send({ error: 'forbidden', message: 'without DIGEST_API_TOKEN only this host\'s own loopback Host and Origin are served' });
    }
    reply.header('www-authenticate', 'Bearer');
    return reply.code(401).send({ error: 'unauthorized' });
  });
}
