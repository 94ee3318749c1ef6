/**
 * Bearer-token auth (`Authorization: Bearer <DIGEST_API_TOKEN>`) on every
 * route but the health probes and static doc assets. It runs in onRequest,
 * before the body is read, so an unauthenticated client cannot make us parse
 * a megabyte of JSON.
 *
 * Without a token configured the server binds to loopback only (see
 * listen()); as a second line of defence, requests are then accepted only
 * when they come from a loopback address.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/**
 * Probes must work without credentials (load balancers, kubelets). The
 * dashboard page (`/`) and the docs UI's JS/CSS carry no data and a browser
 * cannot attach a header to them; the data they show comes from the API, with the token.
 */
const PUBLIC = [/^\/healthz(\?|$)/, /^\/readyz(\?|$)/, /^\/(\?|$)/, /^\/docs\/static\//];

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

function bearer(request: FastifyRequest): string | undefined {
  const m = /^Bearer[ ]+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  return m?.[1];
}

export function installAuth(server: FastifyInstance, token: string | undefined): void {
  server.addHook('onRequest', async (request, reply) => {
    if (PUBLIC.some((p) => p.test(request.url))) return;
    if (token == null ? isLoopback(request.socket.remoteAddress) : tokenMatches(bearer(request) ?? '', token)) return;
    reply.header('www-authenticate', 'Bearer');
    return reply.code(401).send({ error: 'unauthorized' });
  });
}
