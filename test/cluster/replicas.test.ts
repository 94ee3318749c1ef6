/**
 * Issue 14: scheduler replicas on a 3-node MariaDB Galera cluster. Each
 * scenario runs real `digest scheduler` processes (the built CLI), one per
 * node, on its own database of one throwaway cluster (test/support/
 * galera-cluster.ts). The node-loss scenario runs last: it kills a node.
 *
 * Galera differs from one server in two ways these scenarios exercise:
 * SKIP LOCKED / FOR UPDATE lock only on the node that runs them, so two
 * replicas on two nodes may claim the same rows and one loses at COMMIT
 * (certification conflict, ER_LOCK_DEADLOCK 1213); and a node can vanish
 * while its replica keeps running.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import type { Db } from '../../src/store/db.js';
import { openDb } from '../../src/store/open.js';
import { testApp } from '../support/app.js';
import { startCli } from '../support/cli.js';
import { receiptsBySmtp, writeSchedules } from '../support/config-file.js';
import { parseEml } from '../support/eml.js';
import type { TestEngine } from '../support/engines.js';
import { createGaleraCluster, type GaleraCluster } from '../support/galera-cluster.js';
import { conflictErrors, countEvt } from '../support/log-lines.js';
import { expectEveryReceiptOnce, receiptProgress } from '../support/receipt-checks.js';
import { startSmtpServer } from '../support/smtp-server.js';
import { syncedReader } from '../support/synced-reader.js';
import { waitFor } from '../support/wait.js';

type Proc = ReturnType<typeof startCli>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const isAlive = (p: Proc) => p.child.exitCode == null && p.child.signalCode == null;
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

const RECIPIENTS = 100;
/**
 * Scenario D's bound: no conflict storm. Measured on the 2-core machine with
 * recipient lanes: 0 in most runs, up to 63 (3 conflicts in 48 claims, from
 * the 5 s sweeps into other lanes); 196 without lanes; about 12,700 while
 * unkeyed events shared one unique-key value (drizzle/mysql/0003_galera_null_keys.sql).
 * That the lanes divide recipients is tested exactly in test/db/lanes.test.ts;
 * with under 50 claims per run a tighter bound here would be noise.
 */
const CONFLICTS_PER_1000_CLAIMS = 250;


/** Waits until every receipt is sent and stamped; fails at once if a scheduler exits, or at `deadline`. */
async function untilDrained(
  reader: Parameters<typeof receiptProgress>[0], procs: Array<Parameters<typeof isAlive>[0] & { child: { exitCode: number | null } }>,
  events: number, deadline: number, accepted: () => number,
) {
  let last = await receiptProgress(reader);
  while (!(last.total === events && last.processed === events && last.notSent === 0)) {
    const dead = procs.findIndex((p) => !isAlive(p));
    if (dead >= 0) throw new Error(`scheduler ${dead + 1} exited (code ${procs[dead]!.child.exitCode}); progress ${JSON.stringify(last)}`);
    if (Date.now() > deadline) throw new Error(`not drained in time: ${JSON.stringify(last)}, accepted ${accepted()}`);
    await sleep(500);
    last = await receiptProgress(reader);
  }
}

/** Prints what a scenario saw, and fails on any error-level conflict line a scheduler logged (issue 14: conflicts are contention). */
function expectNoConflictErrors(procs: ReadonlyArray<{ out: { stderr: string } }>, summary: string) {
  const conflicts = procs.map((p) => conflictErrors(p.out.stderr));
  console.log(`${summary}; error-level conflict lines per scheduler ${JSON.stringify(conflicts.map((c) => c.length))}`);
  for (const [i, c] of conflicts.entries()) expect(c.slice(0, 3), `scheduler ${i + 1}: error-level conflict lines (${c.length})`).toEqual([]);
}

describe('scheduler replicas on a 3-node Galera cluster', () => {
  let cluster: GaleraCluster;
  const cleanups: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    cluster = await createGaleraCluster({ nodes: 3 });
    try {
      const ms = await cluster.start();
      console.log(`[galera] cluster up in ${secs(ms)} (SQL ports ${cluster.nodes.map((n) => n.port).join(',')})`);
    } catch (err) {
      console.error(cluster.logs());
      throw err;
    }
  });
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    await cluster?.destroy();
  });

  /** A fresh database for one scenario, created on node 1 (replicated) and migrated there; one URL per node. */
  async function scenarioDb(name: string) {
    const admin = await mysql.createConnection(cluster.nodes[0]!.url);
    await admin.query(`CREATE DATABASE \`${name}\``);
    await admin.end();
    const urls = cluster.nodes.map((n) => n.url.replace(/\/[^/]*$/, `/${name}`));
    const db = openDb(urls[0]);
    await db.migrate();
    await db.close();
    const reader = await syncedReader(urls[0]!);
    cleanups.push(() => reader.close());
    return { urls, reader };
  }

  /** A scheduler process; every one is SIGKILLed at the end of the file whatever happens. */
  function scheduler(config: string, env: Record<string, string>): Proc {
    const p = startCli(['scheduler', '--config', config], { LOG_LEVEL: 'info', DIGEST_SHUTDOWN_GRACE_SECONDS: '10', ...env });
    cleanups.push(async () => {
      if (isAlive(p)) p.child.kill('SIGKILL');
      await p.exited;
    });
    return p;
  }

  const waitStarted = (procs: Proc[]) => waitFor(() => {
    const dead = procs.find((p) => !isAlive(p));
    if (dead) throw new Error(`a scheduler exited (code ${dead.child.exitCode}) before starting:\n${dead.out.stderr.slice(-3000)}`);
    return procs.every((p) => p.out.stderr.includes('"evt":"scheduler.started"'));
  }, 30_000, 50);

  /** SIGTERM all, collect exit codes (a scheduler that will not stop is 'timeout'). */
  async function stopAll(procs: Proc[]) {
    for (const p of procs) if (isAlive(p)) p.child.kill('SIGTERM');
    return Promise.all(procs.map((p) => Promise.race([p.exited, sleep(20_000).then(() => 'timeout' as const)])));
  }

  /** A recorder per node (the app's own record path, on that node's pool). */
  async function recorders(urls: string[]) {
    const dbs: Db[] = urls.map((u) => openDb(u));
    for (const db of dbs) cleanups.push(() => db.close());
    return Promise.all(dbs.map(async (db, i) => ({ node: i + 1, recorder: (await testApp({ name: 'mysql', url: urls[i], db } as TestEngine)).recorder })));
  }

  const orders = (from: number, count: number, recipients = RECIPIENTS) => Array.from({ length: count }, (_, k) => {
    const i = from + k;
    return { type: 'Order.Created', payload: { email_address: `r${i % recipients}@shop.example`, order_id: i + 1 } };
  });

  /**
   * recordMany that counts certification conflicts reaching the caller: the
   * producer's transaction lost to a scheduler's on another node. Rolled
   * back whole, so recording the chunk again is exact.
   */
  async function recordCounting(rec: { recordMany(e: ReturnType<typeof orders>): Promise<number[]> }, chunk: ReturnType<typeof orders>, conflicts: { n: number }) {
    for (let attempt = 1; ; attempt++) {
      try {
        const ids = await rec.recordMany(chunk);
        expect(ids).toHaveLength(chunk.length);
        return ids;
      } catch (err) {
        const e = err as { code?: string; errno?: number };
        if ((e.code === 'ER_LOCK_DEADLOCK' || e.errno === 1213) && attempt < 10) { conflicts.n++; continue; }
        throw err;
      }
    }
  }

  const failureLogs = (procs: () => Proc[]) => onTestFailed(async () => {
    console.error(procs().map((p, i) => `==== scheduler ${i + 1} stderr tail ====\n${p.out.stderr.slice(-3000)}`).join('\n'));
    console.error(cluster.logs());
    console.error(`==== what each node is doing ====\n${await cluster.diagnose()}`);
  });

  it('A: 3 replicas, one per node, 20,000 receipts recorded through all three nodes: every event sent and stamped once, no error-level log lines for conflicts', async () => {
    const EVENTS = 20_000;
    const CHUNK = 500;
    const BOUND_MS = 200_000;
    const started = Date.now();
    const { urls, reader } = await scenarioDb('digest_a');
    const smtp = await startSmtpServer();
    cleanups.push(() => smtp.close());
    const config = writeSchedules(receiptsBySmtp(smtp.url, 25));
    // Scheduler k on node k: three writers, so claims race across nodes.
    const procs = urls.map((url) => scheduler(config, { DATABASE_URL: url }));
    failureLogs(() => procs);
    await waitStarted(procs);

    // Record while the replicas drain: chunk c goes to node (c mod 3) + 1.
    const producers = await recorders(urls);
    const producerConflicts = { n: 0 };
    // recordMany's ids, order id → event id: one INSERT's ids are computed from
    // its first id and auto_increment_increment (3 here, innodb_autoinc_lock_mode 2).
    const idOfOrder = new Map<number, number>();
    for (let from = 0, c = 0; from < EVENTS; from += CHUNK, c++) {
      const chunk = orders(from, Math.min(CHUNK, EVENTS - from));
      const ids = await recordCounting(producers[c % 3]!.recorder, chunk, producerConflicts);
      for (const [k, e] of chunk.entries()) idOfOrder.set(e.payload.order_id, ids[k]!);
    }
    const recordedMs = Date.now() - started;
    const stored = await reader.all<{ id: unknown; orderId: unknown }>("SELECT id, JSON_VALUE(payload, '$.order_id') AS orderId FROM digest_events");
    const wrongIds = stored.filter((r) => idOfOrder.get(Number(r.orderId)) !== Number(r.id));
    expect({ stored: stored.length, wrong: wrongIds.slice(0, 5) }, 'ids returned by recordMany vs the rows').toEqual({ stored: EVENTS, wrong: [] });

    await untilDrained(reader, procs, EVENTS, started + BOUND_MS, () => smtp.state.accepted.length);
    const drainedMs = Date.now() - started;
    await sleep(500); // a stray re-send still in flight would land now
    expect(await stopAll(procs), 'exit codes after SIGTERM').toEqual([0, 0, 0]);

    const { extraCopies, resent } = await expectEveryReceiptOnce(reader, smtp.state.accepted, EVENTS);
    expectNoConflictErrors(procs, `[galera A] ${EVENTS} receipts recorded in ${secs(recordedMs)} (${producerConflicts.n} producer conflicts retried), `
      + `drained in ${secs(drainedMs)}; ${smtp.state.accepted.length} accepted, ${extraCopies} duplicate copies (${resent} Message-IDs re-sent)`);
  });

  it('C: 3 replicas, one per node, on one cron tick: one run row per slot, one digest per recipient', async () => {
    const REQUESTS = 200;
    const SUPPLIERS = 20;
    const SLOT_MS = 5_000;
    const { urls, reader } = await scenarioDb('digest_c');
    const outboxRoot = mkdtempSync(join(tmpdir(), 'digest-galera-outbox-'));
    cleanups.push(async () => rmSync(outboxRoot, { recursive: true, force: true }));
    const outbox = join(outboxRoot, 'outbox');
    // A 6-field cron with seconds: a tick every 5 s, so the test sees several slots within seconds.
    const config = writeSchedules([
      'transports:',
      `  outbox: { kind: file, dir: ${JSON.stringify(outbox)} }`,
      'events:',
      `  Purchase.Requested: { cadence: "*/${SLOT_MS / 1000} * * * * *", transport: outbox }`,
      '',
    ].join('\n'));
    const procs = urls.map((url) => scheduler(config, { DATABASE_URL: url }));
    failureLogs(() => procs);
    await waitStarted(procs);

    // One recordMany (one transaction) well inside a slot, so every request
    // belongs to the same tick: 1–2.5 s after a boundary.
    await waitFor(() => { const into = Date.now() % SLOT_MS; return into > 1_000 && into < 2_500; }, SLOT_MS + 1_000, 20);
    const [producer] = await recorders([urls[1]!]);
    const requests = Array.from({ length: REQUESTS }, (_, k) => {
      const supplier = (k % SUPPLIERS) + 1;
      return { type: 'Purchase.Requested', payload: {
        request_id: k + 1, supplier_id: supplier, supplier_email: `s${supplier}@supplier.example`,
        customer_email: `c${k % 17}@shop.example`, item: 'widget', quantity: 1 + (k % 5),
      } };
    });
    expect(await producer!.recorder.recordMany(requests)).toHaveLength(REQUESTS);

    await waitFor(async () => {
      const [row] = await reader.all<{ n: unknown }>('SELECT COUNT(*) AS n FROM digest_events WHERE processed_at IS NULL');
      return Number(row!.n) === 0;
    }, 30_000, 200);
    // Two more ticks with nothing to do: each slot must still be run once.
    await sleep(2 * SLOT_MS);
    expect(procs.filter((p) => !isAlive(p)), 'replicas that exited').toEqual([]);
    expect(await stopAll(procs), 'exit codes after SIGTERM').toEqual([0, 0, 0]);

    const dupSlots = await reader.all(
      `SELECT event_type, slot_at, COUNT(*) AS n FROM digest_runs WHERE slot_at IS NOT NULL
        GROUP BY event_type, slot_at HAVING COUNT(*) > 1`);
    expect(dupSlots, 'a slot with two run rows').toEqual([]);
    const ticks = await reader.all<{ n: unknown }>("SELECT COUNT(*) AS n FROM digest_runs WHERE `trigger` = 'tick'");
    expect(Number(ticks[0]!.n)).toBeGreaterThanOrEqual(3);

    // The requests' run: one row for its slot, one delivery per supplier.
    const runs = await reader.all<{ runId: unknown; slotAt: unknown; rows: unknown }>(
      `SELECT d.run_id AS runId, r.slot_at AS slotAt,
              (SELECT COUNT(*) FROM digest_runs r2 WHERE r2.event_type = r.event_type AND r2.slot_at = r.slot_at) AS \`rows\`
         FROM digest_deliveries d JOIN digest_runs r ON r.id = d.run_id GROUP BY d.run_id, r.slot_at, r.event_type`);
    expect(runs.map((r) => Number(r.rows)), 'run rows for the slot that took the requests').toEqual([1]);
    const perSupplier = await reader.all<{ recipient: string; n: unknown }>(
      'SELECT recipient, COUNT(*) AS n FROM digest_deliveries GROUP BY recipient ORDER BY recipient');
    expect(perSupplier).toHaveLength(SUPPLIERS);
    expect(perSupplier.filter((r) => Number(r.n) !== 1), 'suppliers with more than one digest').toEqual([]);
    const statuses = await reader.all<{ status: string; n: unknown }>('SELECT status, COUNT(*) AS n FROM digest_deliveries GROUP BY status');
    expect(statuses.map((r) => [r.status, Number(r.n)])).toEqual([['sent', SUPPLIERS]]);

    // The outbox: one message per supplier, each request in exactly one.
    const files = readdirSync(outbox).filter((f) => f.endsWith('.eml'));
    expect(files).toHaveLength(SUPPLIERS);
    const seen = new Map<number, number>();
    for (const f of files) {
      for (const m of parseEml(readFileSync(join(outbox, f), 'utf8')).body.matchAll(/^- #(\d+): /gm)) {
        seen.set(Number(m[1]), (seen.get(Number(m[1])) ?? 0) + 1);
      }
    }
    expect(seen.size).toBe(REQUESTS);
    expect([...seen.values()].filter((n) => n !== 1), 'a request in two digests').toEqual([]);

    // Issue 14: a lost tick-slot race on another node is a certification conflict, i.e. contention.
    expectNoConflictErrors(procs, `[galera C] ${Number(ticks[0]!.n)} tick runs, run slot ${String(runs[0]?.slotAt)}`);
  });

  it('D: work division, 1 vs 3 replicas draining 10,000 receipts for 1,000 recipients: throughput, and conflicts per 1,000 claims stay low', async () => {
    const EVENTS = 10_000;
    const RCPTS = 1_000;
    const figures: Array<{ replicas: number; perSec: number; claims: number[]; conflicts: number }> = [];
    const per1000 = (f: typeof figures[number]) => Math.round((1000 * f.conflicts) / Math.max(1, f.claims.reduce((a, b) => a + b, 0)));
    for (const replicas of [1, 3]) {
      const { urls, reader } = await scenarioDb(`digest_d${replicas}`);
      // Each certification conflict in the nodes' logs, with its key (test/artifacts/galera-d-nodes.log, below).
      for (const u of urls) {
        const c = await mysql.createConnection(u);
        await c.query('SET GLOBAL wsrep_log_conflicts = ON');
        await c.query("SET GLOBAL wsrep_provider_options = 'cert.log_conflicts=YES'");
        await c.end();
      }
      const smtp = await startSmtpServer();
      cleanups.push(() => smtp.close());
      const config = writeSchedules(receiptsBySmtp(smtp.url, 25));
      // debug: one `page.claimed` line per claim transaction, one `db.conflict` per race lost and run again.
      const procs = urls.slice(0, replicas).map((url) => scheduler(config, { DATABASE_URL: url, LOG_LEVEL: 'debug' }));
      failureLogs(() => procs);
      await waitStarted(procs);
      // Every replica has seen the others' heartbeat rows (they refresh at start, in turn): give the first ones a beat.
      if (replicas > 1) await sleep(11_000);

      const started = Date.now();
      const [producer] = await recorders([urls[0]!]);
      for (let from = 0; from < EVENTS; from += 1_000) expect(await producer!.recorder.recordMany(orders(from, 1_000, RCPTS))).toHaveLength(1_000);
      await untilDrained(reader, procs, EVENTS, started + 120_000, () => smtp.state.accepted.length);
      const ms = Date.now() - started;
      await sleep(500);
      expect(await stopAll(procs), 'exit codes after SIGTERM').toEqual(procs.map(() => 0));
      const f = {
        replicas, perSec: Math.round(EVENTS / (ms / 1000)),
        claims: procs.map((p) => countEvt(p.out.stderr, 'page.claimed')),
        conflicts: procs.reduce((n, p) => n + countEvt(p.out.stderr, 'db.conflict'), 0),
      };
      figures.push(f);
      console.log(`[galera D] ${replicas} replica(s): ${EVENTS} receipts drained at ${f.perSec}/s; claims per replica ${JSON.stringify(f.claims)}, `
        + `${f.conflicts} conflicts retried (${per1000(f)} per 1,000 claims)`);
      // The debug logs, for reading the conflicts (test/artifacts/ is git-ignored).
      mkdirSync('test/artifacts', { recursive: true });
      for (const [i, p] of procs.entries()) writeFileSync(`test/artifacts/galera-d-${replicas}-${i + 1}.log`, p.out.stderr);
      await expectEveryReceiptOnce(reader, smtp.state.accepted, EVENTS);
      expectNoConflictErrors(procs, `[galera D] ${replicas} replica(s)`);
    }
    writeFileSync('test/artifacts/galera-d-nodes.log', cluster.nodes.map((n) => `==== node ${n.index} ====\n${n.log()}`).join('\n'));
    const three = figures[1]!;
    // Each replica took a share: the lanes divide the recipients, not one replica winning every race.
    expect(three.claims.every((c) => c > 0), 'claims per replica').toBe(true);
    expect(per1000(three), 'conflicts per 1,000 claims with 3 replicas on 3 nodes').toBeLessThan(CONFLICTS_PER_1000_CLAIMS);
  });

  it('B: one node SIGKILLed mid-drain and restarted: 0 lost, duplicates only same-Message-ID re-sends, processing continues on the remaining nodes within the lease period', async () => {
    const EVENTS = 6_000;
    const LEASE_SECONDS = 10;
    const BOUND_MS = 180_000;
    const KILLED = 2; // node 2: neither the bootstrap node nor the one the checks read from
    const started = Date.now();
    // Each step with its time since the start: a hang shows where it waits.
    const step = (what: string) => console.log(`[galera B] +${secs(Date.now() - started)} ${what}`);
    const { urls, reader } = await scenarioDb('digest_b');
    const smtp = await startSmtpServer();
    cleanups.push(() => smtp.close());
    const config = writeSchedules(receiptsBySmtp(smtp.url, 25));

    // All recorded first (through every node), so the kill lands mid-drain.
    const producers = await recorders(urls);
    const producerConflicts = { n: 0 };
    for (let from = 0, c = 0; from < EVENTS; from += 1_000, c++) {
      await recordCounting(producers[c % 3]!.recorder, orders(from, Math.min(1_000, EVENTS - from)), producerConflicts);
    }

    // Scheduler k prefers node k and lists the others for failover:
    // mysql://root@127.0.0.1:<pk>,127.0.0.1:<p…>,…/digest_b.
    const ports = cluster.nodes.map((n) => n.port);
    const failoverUrl = (k: number) => {
      const order = [...ports.slice(k), ...ports.slice(0, k)];
      return `mysql://root@${order.map((p) => `127.0.0.1:${p}`).join(',')}/digest_b`;
    };
    const procs = [0, 1, 2].map((k) => scheduler(config, { DATABASE_URL: failoverUrl(k), DIGEST_LEASE_SECONDS: String(LEASE_SECONDS) }));
    failureLogs(() => procs);
    await waitStarted(procs);
    step('recorded; schedulers started');

    await waitFor(async () => (await receiptProgress(reader)).processed >= EVENTS / 4, 60_000, 100);
    const before = await receiptProgress(reader);
    const node = cluster.nodes[KILLED - 1]!;
    const killedAt = Date.now();
    await node.kill();
    step(`node ${KILLED} killed at ${before.processed} stamped`);
    // The survivors stall until Galera evicts the dead node (evs timeouts,
    // ~4–5 s here); then they go on, and the replica whose node died must
    // find another within its lease.
    await waitFor(async () => (await cluster.nodes[0]!.status()).clusterSize === 2, 30_000, 100);
    const evictedMs = Date.now() - killedAt;
    step('node evicted');
    const atEviction = await receiptProgress(reader);
    await waitFor(async () => (await receiptProgress(reader)).processed >= atEviction.processed + 100, LEASE_SECONDS * 1_000, 100)
      .catch(() => undefined);
    const continuedMs = Date.now() - killedAt;
    const afterContinue = await receiptProgress(reader);
    expect(afterContinue.processed, `stamped events ${secs(continuedMs)} after the kill`).toBeGreaterThanOrEqual(atEviction.processed + 100);
    expect(continuedMs, 'processing went on within the lease period').toBeLessThan(LEASE_SECONDS * 1_000);
    expect(before.processed, 'the kill came mid-drain').toBeLessThan(EVENTS);

    await sleep(2_000);
    step('restarting the node');
    const rejoinMs = await node.start();
    step(`node rejoined: ${JSON.stringify(await receiptProgress(reader))}`);

    await untilDrained(reader, procs, EVENTS, started + BOUND_MS, () => smtp.state.accepted.length);
    step('drained');
    await sleep(500);
    expect(await stopAll(procs), 'exit codes after SIGTERM').toEqual([0, 0, 0]);
    step('stopped');

    const { extraCopies, resent } = await expectEveryReceiptOnce(reader, smtp.state.accepted, EVENTS);
    console.log(`[galera B] ${EVENTS} receipts; node ${KILLED} SIGKILLed at ${before.processed} stamped, evicted after ${secs(evictedMs)}, `
      + `+100 stamped by ${secs(continuedMs)} (lease ${LEASE_SECONDS} s); node rejoined in ${secs(rejoinMs)} `
      + `(${/IST received/.test(node.log()) ? 'IST' : 'SST'}); ${smtp.state.accepted.length} accepted, ${extraCopies} duplicate copies `
      + `(${resent} Message-IDs re-sent); total ${secs(Date.now() - started)}`);
  });
});
