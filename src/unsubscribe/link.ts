/**
 * The one-click unsubscribe link of a recipient and event type:
 * `${publicUrl}/u/<token>`. Computed from the config alone, wherever it is
 * needed — the template context at render, the List-Unsubscribe header at
 * send — so the two always agree without the link being stored.
 */
import type { DigestConfig } from '../config/types.js';
import { signUnsubscribeToken, type UnsubscribeTarget } from './token.js';

/** Where the HTTP server answers the links (http/routes/unsubscribe.ts). */
export const UNSUBSCRIBE_PATH = '/u';

/** The link, or undefined when unsubscribe is not configured. */
export function unsubscribeUrl(config: Pick<DigestConfig, 'publicUrl' | 'unsubscribe'>, target: UnsubscribeTarget): string | undefined {
  if (!config.unsubscribe || !config.publicUrl) return undefined;
  return `${config.publicUrl}${UNSUBSCRIBE_PATH}/${signUnsubscribeToken(config.unsubscribe.secret, target)}`;
}

/**
 * `{ unsubscribeUrl }` when unsubscribe is configured, else `{}`: spread
 * into a template context or an outgoing message, which then carry the
 * field only when there is a link (a template that prints it unguarded
 * fails loudly in strict mode rather than sending an empty link).
 */
export function unsubscribeFields(config: Pick<DigestConfig, 'publicUrl' | 'unsubscribe'>, target: UnsubscribeTarget): { unsubscribeUrl?: string } {
  const url = unsubscribeUrl(config, target);
  return url === undefined ? {} : { unsubscribeUrl: url };
}
