import { describe, expect, it } from 'vitest';
import { parseSchedules } from '../../src/config/schedules.js';
import type { DigestConfig } from '../../src/config/types.js';
import { ConfigError } from '../../src/errors.js';
import { messageIdDomainFor, messageIdFor } from '../../src/runner/message-id.js';

const config = (transports: DigestConfig['transports'], messageIdDomain?: string): DigestConfig =>
  ({ timezone: 'UTC', transports, events: {}, ...(messageIdDomain ? { messageIdDomain } : {}) });
const smtp = (from: string) => ({ name: 'mail', kind: 'smtp' as const, url: 'smtp://127.0.0.1:25', from });
const db = 'mysql://digest:secret@db1.internal:3306/digest';

describe('Message-ID domain', () => {
  it('is messageIdDomain when set, else the SMTP from domain', () => {
    expect(messageIdDomainFor(config({ mail: smtp('Shop <no-reply@Shop.Example>') }, 'mail.shop.example'), db)).toBe('mail.shop.example');
    expect(messageIdDomainFor(config({ out: { name: 'out', kind: 'console' }, mail: smtp('Shop <no-reply@Shop.Example>') }), db)).toBe('shop.example');
    expect(messageIdDomainFor(config({ mail: smtp('no-reply@orders.shop.example') }), db)).toBe('orders.shop.example');
    expect(messageIdFor(41, 'shop.example')).toBe('<delivery.41@shop.example>');
  });

  it('without SMTP: stable per database (not per host or password), different for another database', () => {
    const none = config({ out: { name: 'out', kind: 'console' } });
    const a = messageIdDomainFor(none, db);
    expect(a).toMatch(/^digest-[0-9a-f]{12}\.invalid$/);
    expect(messageIdDomainFor(none, 'mysql://other:pw@db1.internal:3306/digest?connectionLimit=4')).toBe(a);
    expect(messageIdDomainFor(none, 'mysql://digest:secret@db1.internal:3306/digest_staging')).not.toBe(a);
    expect(messageIdDomainFor(none, 'sqlite:/srv/a/digest.db')).not.toBe(messageIdDomainFor(none, 'sqlite:/srv/b/digest.db'));
  });

  it('a multi-host DATABASE_URL: no credentials in it, the same whatever order the nodes are listed in', () => {
    const none = config({ out: { name: 'out', kind: 'console' } });
    const a = messageIdDomainFor(none, 'mysql://digest:secret@n1:3306,n2:3306,n3:3306/digest');
    expect(a).toMatch(/^digest-[0-9a-f]{12}\.invalid$/);
    expect(messageIdDomainFor(none, 'mysql://other:pw@n3:3306,n1:3306,n2:3306/digest?connectionLimit=4')).toBe(a);
    expect(messageIdDomainFor(none, 'mysql://digest:secret@n1:3306,n2:3306,n3:3306/digest_staging')).not.toBe(a);
  });

  it('messageIdDomain is read from the schedules file and checked', () => {
    const file = (d: string) => `messageIdDomain: ${d}\ntransports: { c: { kind: console } }\nevents: {}\n`;
    expect(parseSchedules(file('mail.shop.example'), {}).messageIdDomain).toBe('mail.shop.example');
    expect(parseSchedules('transports: {}\nevents: {}\n', {}).messageIdDomain).toBeUndefined();
    const err = (() => { try { parseSchedules(file('"bad domain>"'), {}); } catch (e) { return e; } })();
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).issues).toEqual([{ path: 'messageIdDomain', message: 'must be a domain name (e.g. mail.shop.example)' }]);
  });
});
