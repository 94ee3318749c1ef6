/**
 * A DATABASE_URL listing several hosts (a Galera cluster's nodes): served by
 * mysql2's PoolCluster, first reachable host first. Against the one test
 * server: a dead port listed before it must not matter.
 */
import { expect, it } from 'vitest';
import { isConnectionError } from '../../src/store/errors.js';
import { openMysql } from '../../src/store/mysql.js';
import { describeEngines } from '../support/engines.js';

// Port 1: nothing listens there, the connection is refused at once.
const DEAD = '127.0.0.1:1';

/** The engine's URL with `hosts` as its host list. */
const withHosts = (url: string, hosts: string[]) => {
  const u = new URL(url);
  return `mysql://${u.username}${u.password ? `:${u.password}` : ''}@${hosts.join(',')}${u.pathname}${u.search}`;
};

describeEngines('multi-host DATABASE_URL', (engine) => {
  it('a dead first host is passed over: statements, transactions and migrations run on the live one, each connection set up', async () => {
    const db = openMysql(withHosts(engine.url, [DEAD, new URL(engine.url).host]));
    try {
      await db.migrate();
      expect(await db.pendingMigrations()).toBe(0);
      expect(await db.all<{ one: number }>('SELECT 1 AS one')).toEqual([{ one: 1 }]);
      const id = await db.transaction(async (tx) => {
        const res = await tx.run("INSERT INTO digest_workers (id, host, pid) VALUES ('multi-host', 'test', 1)");
        expect(res.affectedRows).toBe(1);
        return (await tx.all<{ id: string }>("SELECT id FROM digest_workers WHERE id = 'multi-host'"))[0]!.id;
      });
      expect(id).toBe('multi-host');
      await db.run("DELETE FROM digest_workers WHERE id = 'multi-host'");
      // The session settings every connection of ours gets, on the cluster's too.
      const [session] = await db.transaction((tx) => tx.all<{ iso: string; tz: string }>('SELECT @@tx_isolation AS iso, @@time_zone AS tz'));
      expect(session).toEqual({ iso: 'READ-COMMITTED', tz: '+00:00' });
    } finally {
      await db.close();
    }
  });

  it('every host dead: a connection error (retried by the loops, never counted as a failure)', async () => {
    const db = openMysql(withHosts(engine.url, [DEAD, '127.0.0.1:2']));
    try {
      const first = await db.all('SELECT 1').catch((e: unknown) => e);
      expect(isConnectionError(first)).toBe(true);
      // Asked again while every node rests: still a connection error.
      const again = await db.transaction(async () => 1).catch((e: unknown) => e);
      expect(isConnectionError(again)).toBe(true);
    } finally {
      await db.close();
    }
  });
}, ['mysql']);
