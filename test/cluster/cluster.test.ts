/**
 * The cluster helper itself: three nodes come up Synced, a write on one is
 * read on the others, Galera's auto-increment spacing is in force, and a
 * SIGKILLed node leaves the component and rejoins with what it missed. And
 * digest's schema on it: writes that share no row do not conflict.
 */
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isConnectionError } from '../../src/store/errors.js';
import { openMysql } from '../../src/store/mysql.js';
import { openDb } from '../../src/store/open.js';
import { createGaleraCluster, type GaleraCluster } from '../support/galera-cluster.js';
import { waitFor } from '../support/wait.js';

describe('a throwaway 3-node Galera cluster', () => {
  let cluster: GaleraCluster;
  let startMs = 0;
  const conns: mysql.Connection[] = [];
  const connect = async (url: string) => {
    const c = await mysql.createConnection(url);
    conns.push(c);
    return c;
  };

  beforeAll(async () => {
    cluster = await createGaleraCluster({ nodes: 3 });
    try {
      startMs = await cluster.start();
    } catch (err) {
      console.error(cluster.logs());
      throw err;
    }
    console.log(`[galera] 3-node cluster started in ${(startMs / 1000).toFixed(1)} s on SQL ports ${cluster.nodes.map((n) => n.port).join(',')}`);
  });
  afterAll(async () => {
    for (const c of conns) await c.end().catch(() => undefined);
    await cluster?.destroy();
  });

  it('comes up with 3 Synced nodes; a row written on node 1 is read on nodes 2 and 3; auto_increment_increment = 3', async () => {
    for (const n of cluster.nodes) {
      expect(await n.status()).toEqual({ clusterSize: 3, ready: true, localState: 4, clusterStatus: 'Primary' });
    }
    const [c1, c2, c3] = await Promise.all(cluster.urls.map(connect));
    await c1!.query('CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(20) NOT NULL)');
    await c1!.query("INSERT INTO t (v) VALUES ('from-1')");
    // Galera applies a commit on the others before the writer's COMMIT returns,
    // but a reader may still be a moment behind: wsrep_sync_wait makes it wait.
    for (const c of [c2!, c3!]) {
      await c.query('SET SESSION wsrep_sync_wait = 1');
      const [rows] = await c.query<mysql.RowDataPacket[]>('SELECT v FROM t');
      expect(rows.map((r) => r.v)).toEqual(['from-1']);
    }
    for (const c of [c1!, c2!, c3!]) {
      const [[row]] = await c.query<mysql.RowDataPacket[]>('SELECT @@auto_increment_increment AS inc');
      expect(Number(row!.inc)).toBe(3);
    }
  });

  it('digest\'s schema: unkeyed events of one type and unslotted runs, written on two nodes at once, never conflict; one idempotency key on both does', async () => {
    const admin = await connect(cluster.urls[0]!);
    await admin.query('CREATE DATABASE digest_schema');
    const [url1, url2] = cluster.urls.map((u) => u.replace(/\/[^/]*$/, '/digest_schema'));
    const db = openDb(url1!);
    await db.migrate();
    await db.close();
    const [a, b] = await Promise.all([connect(url1!), connect(url2!)]);
    await b!.query('SET SESSION wsrep_sync_wait = 1');
    await b!.query('SELECT 1 FROM digest_events LIMIT 1');
    /** Both transactions are open when both COMMITs go out: Galera certifies one against the other. */
    const race = async (sqlA: (i: number) => string, sqlB: (i: number) => string, rounds: number) => {
      let conflicts = 0;
      for (let i = 0; i < rounds; i++) {
        await Promise.all([a!.query('BEGIN'), b!.query('BEGIN')]);
        await Promise.all([a!.query(sqlA(i)), b!.query(sqlB(i))]);
        const done = await Promise.allSettled([a!.query('COMMIT'), b!.query('COMMIT')]);
        conflicts += done.filter((d) => d.status === 'rejected').length;
        await Promise.all([a!.query('ROLLBACK'), b!.query('ROLLBACK')]);
      }
      return conflicts;
    };
    const event = (key: (i: number) => string) => (i: number) =>
      `INSERT INTO digest_events (type, recipient, payload, idempotency_key) VALUES ('Order.Created', 'r${i}', '{}', ${key(i)})`;
    // Before migration 0003 every unkeyed Order.Created row carried the unique key ('Order.Created', NULL): 20 of 20 conflicted.
    expect(await race(event(() => 'NULL'), event(() => 'NULL'), 20), 'unkeyed events').toBe(0);
    const run = (i: number) => `INSERT INTO digest_runs (event_type, \`trigger\`, owner) VALUES ('Order.Created', 'immediate', 'w${i}')`;
    expect(await race(run, run, 20), 'unslotted runs').toBe(0);
    // The key still holds across nodes: the same key recorded on both at once, one loses.
    expect(await race(event((i) => `'k${i}'`), event((i) => `'k${i}'`), 5), 'one key on two nodes').toBe(5);
  });

  it('a node cut off from its peers (1047, outside the Primary Component) is passed over like a dead one; back in, it is used again', async () => {
    const [n1, n2] = cluster.nodes;
    const db = openMysql(cluster.multiHostUrl);
    // From a table: a non-Primary node still answers statements that read none.
    const port = async () => Number((await db.all<{ p: unknown }>('SELECT @@port AS p FROM t LIMIT 1'))[0]!.p);
    const admin = await connect(n1!.url);
    try {
      expect(await port()).toBe(n1!.port);
      // Galera's own test switch: node 1 drops its group connections and is left alone, non-Primary; 2 and 3 keep quorum.
      await admin.query("SET GLOBAL wsrep_provider_options = 'gmcast.isolate=1'");
      await waitFor(async () => (await n1!.status()).clusterStatus !== 'Primary', 30_000, 100);
      // The statement that meets the 1047 fails as a connection error (the loops retry those); the next one runs on node 2.
      const first = await port().catch((e: unknown) => e);
      if (typeof first !== 'number') expect(isConnectionError(first), String(first)).toBe(true);
      else expect(first).toBe(n2!.port);
      expect(await port()).toBe(n2!.port);
      expect(await db.transaction(async (tx) => Number((await tx.all<{ p: unknown }>('SELECT @@port AS p FROM t LIMIT 1'))[0]!.p))).toBe(n2!.port);

      await admin.query("SET GLOBAL wsrep_provider_options = 'gmcast.isolate=0'");
      await waitFor(async () => {
        const s = await n1!.status();
        return s.clusterStatus === 'Primary' && s.localState === 4 && s.clusterSize === 3;
      }, 60_000, 200);
      // After its rest (5 s), node 1 comes first again.
      await waitFor(async () => (await port()) === n1!.port, 15_000, 500);
    } finally {
      await admin.query("SET GLOBAL wsrep_provider_options = 'gmcast.isolate=0'");
      await db.close();
    }
  });

  it('node 2 SIGKILLed: node 1 sees 2 nodes; restarted, it is back to 3 and has the rows written meanwhile', async () => {
    const [n1, n2, n3] = cluster.nodes;
    await n2!.kill();
    expect(n2!.running()).toBe(false);
    const lostAt = Date.now();
    await waitFor(async () => (await n1!.status()).clusterSize === 2, 30_000, 100);
    console.log(`[galera] node 2 SIGKILLed: node 1 saw cluster size 2 after ${((Date.now() - lostAt) / 1000).toFixed(1)} s`);
    expect(await n1!.status()).toMatchObject({ clusterSize: 2, clusterStatus: 'Primary', ready: true });

    const c1 = await connect(n1!.url);
    const c3 = await connect(n3!.url);
    await c1.query("INSERT INTO t (v) VALUES ('while-2-down-a')");
    await c3.query("INSERT INTO t (v) VALUES ('while-2-down-b')");

    const rejoinMs = await n2!.start();
    console.log(`[galera] node 2 restarted and Synced in ${(rejoinMs / 1000).toFixed(1)} s (${/IST received/.test(n2!.log()) ? 'IST' : 'SST'})`);
    for (const n of cluster.nodes) expect(await n.status()).toMatchObject({ clusterSize: 3, localState: 4, ready: true });
    const c2 = await connect(n2!.url);
    await c2.query('SET SESSION wsrep_sync_wait = 1');
    const [rows] = await c2.query<mysql.RowDataPacket[]>('SELECT v FROM t ORDER BY v');
    expect(rows.map((r) => r.v)).toEqual(['from-1', 'while-2-down-a', 'while-2-down-b']);
  });
});
