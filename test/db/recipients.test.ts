/**
 * Recipient profiles stored and read back on both engines, through the
 * public library client (createDigest) and the store: a set replaces the
 * whole profile, keys compare exactly, listing pages in recipient order.
 */
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { handlers as shopHandlers } from '../../examples/shop/handlers.js';
import { createDigest, type Digest, ValidationError } from '../../src/index.js';
import { selectRecipientsPage } from '../../src/store/recipients.js';
import { describeEngines, truncateAll } from '../support/engines.js';

describeEngines('recipient profiles', (engine) => {
  let digest: Digest;
  beforeAll(() => {
    digest = createDigest({ databaseUrl: engine.url, handlers: shopHandlers });
  });
  afterAll(() => digest?.close());
  beforeEach(() => truncateAll(engine.db));

  it('set stores the profile and get returns it; an unknown recipient is null (the types\' defaults)', async () => {
    expect(await digest.getRecipient('ann@shop.example')).toBeNull();
    const stored = await digest.setRecipient('ann@shop.example', {
      timeZone: 'Europe/Berlin',
      locale: 'de-de',
      quietHours: { start: '22:00', end: '07:00' },
      preferences: { 'Purchase.Responded': { frequency: 'weekly', at: '09:00', day: 'mon' }, 'Order.Created': { frequency: 'off' } },
    });
    const expected = {
      recipient: 'ann@shop.example',
      timeZone: 'Europe/Berlin',
      locale: 'de-DE',
      quietHours: { start: '22:00', end: '07:00' },
      preferences: { 'Purchase.Responded': { frequency: 'weekly', at: '09:00', day: 'mon' }, 'Order.Created': { frequency: 'off' } },
    };
    expect(stored).toMatchObject(expected);
    expect(Math.abs(stored.updatedAt.getTime() - Date.now())).toBeLessThan(60_000);
    expect(await digest.getRecipient('ann@shop.example')).toEqual(stored);
  });

  it('a second set replaces the whole profile: parts left out are cleared, not kept', async () => {
    await digest.setRecipient('S9', { timeZone: 'America/New_York', locale: 'en', quietHours: { start: '20:00', end: '06:00' },
      preferences: { 'Purchase.Requested': { frequency: 'daily', at: '08:00' } } });
    const replaced = await digest.setRecipient('S9', { locale: 'fr' });
    expect(replaced).toMatchObject({ recipient: 'S9', timeZone: null, locale: 'fr', quietHours: null, preferences: {} });
    expect(await digest.getRecipient('S9')).toMatchObject({ timeZone: null, locale: 'fr', quietHours: null, preferences: {} });
    expect(await engine.db.all('SELECT recipient FROM digest_recipients')).toHaveLength(1);
  });

  it('keys compare exactly: Ann@x, ann@x and "ann@x " are three recipients', async () => {
    await digest.setRecipient('Ann@x', { locale: 'en' });
    await digest.setRecipient('ann@x', { locale: 'de' });
    await digest.setRecipient('ann@x ', { locale: 'fr' });
    expect((await digest.getRecipient('Ann@x'))?.locale).toBe('en');
    expect((await digest.getRecipient('ann@x'))?.locale).toBe('de');
    expect((await digest.getRecipient('ann@x '))?.locale).toBe('fr');
    expect(await digest.getRecipient('ANN@X')).toBeNull();
    expect(await digest.deleteRecipient('ann@x')).toBe(true);
    expect(await digest.deleteRecipient('ann@x')).toBe(false);
    expect((await digest.getRecipient('Ann@x'))?.locale).toBe('en');
  });

  it('an invalid profile is refused, naming the field, and nothing is stored (nor replaced)', async () => {
    await digest.setRecipient('bob', { locale: 'en' });
    const err = await digest.setRecipient('bob', { timeZone: 'Mars/Base', preferences: { 'Order.Shipped': { frequency: 'daily' } } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).issues).toEqual([
      { path: 'timeZone', message: '"Mars/Base" is not an IANA time zone' },
      { path: 'preferences.Order.Shipped', message: 'unknown event type "Order.Shipped" (known: Order.Created, Purchase.Requested, Purchase.Responded)' },
    ]);
    expect(await digest.getRecipient('bob')).toMatchObject({ locale: 'en', timeZone: null });
  });

  it('pages in recipient (byte) order after a cursor, the same on both engines', async () => {
    for (const key of ['b', 'a b', 'B', 'a/b+c@x', 'Zoë', 'c']) await digest.setRecipient(key, {});
    const first = await selectRecipientsPage(engine.db, { limit: 4 });
    expect(first.map((r) => r.recipient)).toEqual(['B', 'Zoë', 'a b', 'a/b+c@x']);
    const next = await selectRecipientsPage(engine.db, { after: first.at(-1)!.recipient, limit: 4 });
    expect(next.map((r) => r.recipient)).toEqual(['b', 'c']);
  });
});
