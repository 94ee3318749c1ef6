/**
 * One-click unsubscribe (RFC 8058) at `${publicUrl}/u/:token`, registered
 * only when `unsubscribe:` is configured. The signed token is the only
 * credential (no bearer token, no cookie: a mail provider POSTs here on the
 * recipient's behalf). POST sets the recipient's preference for the token's
 * type to `off`; GET only shows a confirmation page whose button POSTs, so a
 * link scanner fetching the URL unsubscribes nobody. Not in the OpenAPI
 * document: these are for mail clients and people, not API callers.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { App } from '../../app.js';
import { UNSUBSCRIBE_PATH } from '../../unsubscribe/link.js';
import { verifyUnsubscribeToken } from '../../unsubscribe/token.js';
import { confirmPage, donePage, invalidPage } from '../unsubscribe-page.js';

/**
 * RFC 8058 receivers POST `List-Unsubscribe=One-Click` as form data
 * (urlencoded or multipart), a browser posts the confirmation form, some
 * clients post nothing at all: the request itself is the intent, so the body
 * is read (bounded) and not looked at.
 */
const BODY_LIMIT_BYTES = 16 * 1024;

const html = (reply: FastifyReply, status: number, body: string) =>
  reply.code(status).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(body);

export function unsubscribeRoutes(server: FastifyInstance, app: App): void {
  const secret = app.ctx.config.unsubscribe?.secret;
  if (secret === undefined) return;
  const schema = { hide: true };

  // Its own scope, so accepting any body here changes no other route's parsing.
  void server.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: BODY_LIMIT_BYTES }, (_request, _body, done) => done(null, undefined));

    scope.get<{ Params: { token: string } }>(`${UNSUBSCRIBE_PATH}/:token`, { schema }, async (request, reply) => {
      const target = verifyUnsubscribeToken(secret, request.params.token);
      return target ? html(reply, 200, confirmPage(target.type)) : html(reply, 403, invalidPage());
    });

    scope.post<{ Params: { token: string } }>(`${UNSUBSCRIBE_PATH}/:token`, { schema }, async (request, reply) => {
      const target = verifyUnsubscribeToken(secret, request.params.token);
      if (!target) return html(reply, 403, invalidPage());
      // A type no longer configured sends nothing: there is no preference to keep for it.
      if (app.ctx.registry.types().includes(target.type)) {
        await app.recipients.setPreference(target.recipient, target.type, { frequency: 'off' });
        app.ctx.lifecycle.emit('recipient.unsubscribed', { type: target.type });
      }
      return html(reply, 200, donePage(target.type));
    });
  });
}
