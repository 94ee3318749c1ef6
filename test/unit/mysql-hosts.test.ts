import { describe, expect, it } from 'vitest';
import { DigestError } from '../../src/errors.js';
import { mysqlLocation, parseMysqlHosts } from '../../src/store/mysql-hosts.js';

describe('parseMysqlHosts', () => {
  it('splits a host list into one ordinary URL per host, credentials, database and options kept, in order', () => {
    const got = parseMysqlHosts('mysql://digest:s%40cret@10.0.0.1:3311,db2.internal:3312,[::1]:3313/shop?connectionLimit=7');
    expect(got.hosts).toEqual([{ host: '10.0.0.1', port: '3311' }, { host: 'db2.internal', port: '3312' }, { host: '[::1]', port: '3313' }]);
    expect(got.urls).toEqual([
      'mysql://digest:s%40cret@10.0.0.1:3311/shop?connectionLimit=7',
      'mysql://digest:s%40cret@db2.internal:3312/shop?connectionLimit=7',
      'mysql://digest:s%40cret@[::1]:3313/shop?connectionLimit=7',
    ]);
    expect(got.connectionLimit).toBe(7);
    for (const u of got.urls) expect(URL.canParse(u)).toBe(true);
  });

  it('a single host is the URL unchanged; a host without a port keeps none', () => {
    expect(parseMysqlHosts('mysql://root@127.0.0.1:3306/test').urls).toEqual(['mysql://root@127.0.0.1:3306/test']);
    expect(parseMysqlHosts('mysql://root@a,b/test')).toMatchObject({ urls: ['mysql://root@a/test', 'mysql://root@b/test'], connectionLimit: undefined });
  });

  it.each([
    ['mysql://root@a,,b/db', /empty host/],
    ['mysql://root@a:3306,/db', /empty host/],
    ['mysql://root@/db', /at least one host/],
    ['mysql://root@a:33x6/db', /host "a:33x6" must be host or host:port/],
    ['postgres://a/db', /must start with mysql:\/\//],
  ])('%s is refused, naming DATABASE_URL and the rule', (url, rule) => {
    let caught: unknown;
    try { parseMysqlHosts(url); } catch (err) { caught = err; }
    expect(caught).toBeInstanceOf(DigestError);
    expect((caught as DigestError).message).toMatch(/^DATABASE_URL /);
    expect((caught as DigestError).message).toMatch(rule);
  });
});

describe('mysqlLocation', () => {
  it('a single host: protocol, host, port and database, no credentials or options (as before)', () => {
    expect(mysqlLocation('mysql://u:p@db.internal:3306/shop?connectionLimit=5')).toBe('mysql://db.internal:3306/shop');
  });

  it('several hosts: sorted, so replicas listing the nodes in another order agree', () => {
    const a = mysqlLocation('mysql://u:p@n2:3306,n1:3306,n3:3306/shop');
    expect(a).toBe('mysql://n1:3306,n2:3306,n3:3306/shop');
    expect(mysqlLocation('mysql://other:pw@n3:3306,n1:3306,n2:3306/shop')).toBe(a);
  });
});
