import { describe, expect, it } from 'vitest';
import { unsubscribeFields, unsubscribeUrl } from '../../src/unsubscribe/link.js';
import { signUnsubscribeToken, verifyUnsubscribeToken } from '../../src/unsubscribe/token.js';

const SECRET = 'correct horse battery staple';
const ann = { recipient: 'ann@shop.example', type: 'Purchase.Responded' };

/** Flips one character of the part of the token `which` names, to another base64url character. */
function alter(token: string, which: 0 | 1, at = 3): string {
  const parts = token.split('.');
  const part = parts[which]!;
  const c = part[at]!;
  parts[which] = part.slice(0, at) + (c === 'A' ? 'B' : 'A') + part.slice(at + 1);
  return parts.join('.');
}

describe('unsubscribe tokens', () => {
  it('round-trip: the recipient and type come back exactly, for awkward keys too', () => {
    for (const target of [ann, { recipient: 'Ann@X', type: 'a.b' }, { recipient: 'a"b\\c.d/e?f#g ü 😀', type: 'T.x' }, { recipient: 'x'.repeat(191), type: 'Order.Created' }]) {
      const token = signUnsubscribeToken(SECRET, target);
      expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
      expect(verifyUnsubscribeToken(SECRET, token)).toEqual(target);
    }
  });

  it('is deterministic (the rendered link equals the header link) and differs per recipient and per type', () => {
    const token = signUnsubscribeToken(SECRET, ann);
    expect(signUnsubscribeToken(SECRET, ann)).toBe(token);
    expect(signUnsubscribeToken(SECRET, { ...ann, recipient: 'Ann@shop.example' })).not.toBe(token);
    expect(signUnsubscribeToken(SECRET, { ...ann, type: 'Order.Created' })).not.toBe(token);
  });

  it('a token signed with another secret is refused', () => {
    expect(verifyUnsubscribeToken(SECRET, signUnsubscribeToken('another secret, same length!', ann))).toBeNull();
    expect(verifyUnsubscribeToken(`${SECRET}x`, signUnsubscribeToken(SECRET, ann))).toBeNull();
  });

  it('a tampered payload or MAC is refused', () => {
    const token = signUnsubscribeToken(SECRET, ann);
    expect(verifyUnsubscribeToken(SECRET, alter(token, 0))).toBeNull();
    expect(verifyUnsubscribeToken(SECRET, alter(token, 1))).toBeNull();
    // Someone else's payload under ann's MAC.
    const bob = signUnsubscribeToken(SECRET, { ...ann, recipient: 'bob@shop.example' });
    expect(verifyUnsubscribeToken(SECRET, `${bob.split('.')[0]}.${token.split('.')[1]}`)).toBeNull();
  });

  it('a forged token (a payload of our shape with a made-up MAC) is refused', () => {
    const payload = Buffer.from(JSON.stringify(['ann@shop.example', 'Purchase.Responded'])).toString('base64url');
    expect(verifyUnsubscribeToken(SECRET, `${payload}.${Buffer.alloc(32).toString('base64url')}`)).toBeNull();
    expect(verifyUnsubscribeToken(SECRET, `${payload}.`)).toBeNull();
    expect(verifyUnsubscribeToken(SECRET, payload)).toBeNull();
  });

  it('garbage, truncation and a second spelling of the MAC are refused without throwing', () => {
    const token = signUnsubscribeToken(SECRET, ann);
    for (const bad of ['', '.', '..', 'a.b.c', `${token}.x`, token.slice(0, -1), `${token}A`, `x${token}`, token.replace('.', '%2E'), `${token.split('.')[0]}.${'A'.repeat(43)}=`]) {
      expect(verifyUnsubscribeToken(SECRET, bad), bad).toBeNull();
    }
    // The MAC's last character carries 2 unused bits: another character with the same 6-bit prefix decodes to the same bytes.
    const [payload, mac] = token.split('.') as [string, string];
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(mac.at(-1)!);
    const sibling = alphabet[(last & ~3) | ((last + 1) & 3)]!;
    const respelled = `${payload}.${mac.slice(0, -1)}${sibling}`;
    expect(Buffer.from(respelled.split('.')[1]!, 'base64url')).toEqual(Buffer.from(mac, 'base64url'));
    expect(verifyUnsubscribeToken(SECRET, respelled)).toBeNull();
  });
});

describe('unsubscribe links', () => {
  const config = { publicUrl: 'https://digest.shop.example/mail', unsubscribe: { secret: SECRET } };

  it('are ${publicUrl}/u/<token>, and whose token verifies to the recipient and type', () => {
    const url = unsubscribeUrl(config, ann)!;
    expect(url.startsWith('https://digest.shop.example/mail/u/')).toBe(true);
    expect(verifyUnsubscribeToken(SECRET, url.slice('https://digest.shop.example/mail/u/'.length))).toEqual(ann);
    expect(new URL(url).pathname.split('/')).toHaveLength(4);
  });

  it('exist only when unsubscribe is configured', () => {
    expect(unsubscribeUrl({ publicUrl: config.publicUrl }, ann)).toBeUndefined();
    expect(unsubscribeFields({}, ann)).toEqual({});
    expect(unsubscribeFields(config, ann)).toEqual({ unsubscribeUrl: unsubscribeUrl(config, ann) });
  });
});
