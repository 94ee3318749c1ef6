import type { FastifyInstance } from 'fastify';
import { APP_SCRIPT } from './dashboard/app-script.js';
import { PAGE } from './dashboard/page.js';
import { STYLES } from './dashboard/styles.js';

/**
 * The dashboard: one static page, its script and its stylesheet over the JSON
 * API, no build chain. They carry no data, so they are served without auth;
 * every number on the page comes from the authenticated API with the token
 * the operator types in (kept in sessionStorage for the tab, sent only as a
 * header).
 *
 * The page's CSP allows this origin's script and nothing inline, no other
 * origin for anything; inline styles are allowed because a message's HTML,
 * shown in a sandboxed srcdoc iframe (which inherits this policy), has them.
 * The page itself loads no images: img-src data: only, so a message's remote
 * images are blocked by this policy too, not only by the iframe's own.
 */


const CSP = [
  "default-src 'none'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src data:",
  "connect-src 'self'", "frame-src 'self'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
].join('; ');

export function registerDashboard(server: FastifyInstance): void {
  server.get('/', { schema: { hide: true } }, async (_req, reply) =>
    reply.type('text/html; charset=utf-8').header('content-security-policy', CSP).header('cache-control', 'no-cache').send(PAGE));
  server.get('/dashboard/app.js', { schema: { hide: true } }, async (_req, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(APP_SCRIPT));
  server.get('/dashboard/app.css', { schema: { hide: true } }, async (_req, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'no-cache').send(STYLES));
}
