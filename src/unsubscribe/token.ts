/**
 * Unsubscribe tokens: who (recipient key) and what (event type), signed with
 * the configured secret, so a link in a message can be acted on without a
 * login — and cannot be made up for anyone else. Pure: no clock, no I/O.
 *
 * `<payload>.<mac>`, both base64url (no padding): URL-safe in a path segment
 * as they are. The payload is JSON `[recipient, type]` — an array, not a
 * joined string, so no separator character can make two pairs read alike.
 * The MAC is HMAC-SHA256 over the payload's bytes, under a key label that
 * keeps this secret's MACs from meaning anything elsewhere. Tokens do not
 * expire: RFC 8058 links must keep working for as long as the mail is read.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface UnsubscribeTarget {
  recipient: string;
  type: string;
}

/** Domain separation: a MAC made with this secret for another purpose can never verify here. */
const LABEL = 'digest.unsubscribe.v1\n';

const mac = (secret: string, payload: string) => createHmac('sha256', secret).update(LABEL).update(payload).digest();

export function signUnsubscribeToken(secret: string, target: UnsubscribeTarget): string {
  const payload = Buffer.from(JSON.stringify([target.recipient, target.type])).toString('base64url');
  return `${payload}.${mac(secret, payload).toString('base64url')}`;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** The token's recipient and type when `secret` signed it; null for anything else (forged, altered, truncated, garbage). */
export function verifyUnsubscribeToken(secret: string, token: string): UnsubscribeTarget | null {
  const parts = token.split('.');
  if (parts.length !== 2) return null;
  const [payload, given] = parts as [string, string];
  if (!BASE64URL.test(payload) || !BASE64URL.test(given)) return null;
  const expected = mac(secret, payload);
  const actual = Buffer.from(given, 'base64url');
  // Checked before the comparison (timingSafeEqual throws on unequal lengths); the length is no secret.
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return null;
  // One spelling per token: base64url's unused trailing bits must not make a second valid link.
  if (actual.toString('base64url') !== given) return null;
  // The MAC is ours, so the payload is what we signed; parsed defensively all the same.
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!Array.isArray(parsed) || parsed.length !== 2 || typeof parsed[0] !== 'string' || typeof parsed[1] !== 'string') return null;
  return { recipient: parsed[0], type: parsed[1] };
}
