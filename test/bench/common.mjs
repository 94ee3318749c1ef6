// Shared bits of the benchmark: sizes, the per-run database, payloads, timing.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import { openDb } from '../../dist/src/store/open.js';

export const SCALE = Number(process.env.BENCH_SCALE ?? 1);
if (!(SCALE > 0)) throw new Error(`BENCH_SCALE must be a positive number, got ${process.env.BENCH_SCALE}`);
const scaled = (n, min = 1) => Math.max(min, Math.round(n * SCALE));

/** Every size the bench uses; BENCH_SCALE multiplies counts and durations. */
export const SIZES = {
  singleSeconds: Math.max(1, 3 * SCALE), // each single-row INSERT measurement runs this long …
  rounds: Number(process.env.BENCH_ROUNDS ?? 3), // … this many times, floor and ours alternating; the median counts
  concurrency: 16,
  multiRows: scaled(200_000, 1000), // the drain's input, inserted 1,000 rows per statement
  multiRoundRows: scaled(50_000, 1000), // the multi-row INSERT rate: this many rows per round, `rounds` rounds
  perStatement: 1000,
  claimBatch: 1000,
  suppliers: 1000,
  latencyRate: 500, // Order.Created per second
  latencySeconds: Math.max(3, 20 * SCALE),
  latencyWarmupSeconds: Math.max(1, 5 * SCALE), // at the same rate before the measured seconds; reported on its own row
  receipts: scaled(50_000, 1000), // Order.Created events drained one delivery each (the receipts row) …
  receiptsBatch: 500, // … the raw floor taking this many per batch
  backlogEvents: scaled(1_000_000, 10_000),
  // Send windows (issue 15): recipient profiles over 24 time zones, one event each (windows.mjs).
  windowRecipients: scaled(100_000, 2_400),
  // BENCH_BACKLOG_RECIPIENTS=10: the same backlog skewed onto few recipients (memory must stay bounded).
  backlogRecipients: Number(process.env.BENCH_BACKLOG_RECIPIENTS ?? 10_000),
};

export const TABLES = ['digest_events', 'digest_deliveries', 'digest_runs', 'digest_workers'];

export const isMysql = (url) => /^mysql:\/\//i.test(url ?? '');

/** Raw connection settings identical to the library's (src/store/mysql.ts, src/store/sqlite.ts). */
export async function rawMysql(url) {
  const conn = await mysql.createConnection({ uri: url, timezone: 'Z', supportBigNumbers: true, enableKeepAlive: true });
  await conn.query('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED');
  await conn.query("SET time_zone = '+00:00'");
  return conn;
}

export function rawSqlite(path) {
  const conn = new Database(path, { timeout: 15_000 });
  conn.pragma('journal_mode = WAL');
  conn.pragma('synchronous = NORMAL');
  return conn;
}

/**
 * A fresh, migrated database for this bench run: `digest_bench_<random>` on
 * the server of DATABASE_URL, or a temp SQLite file when it is unset.
 */
export async function createBenchDb(baseUrl) {
  if (isMysql(baseUrl)) {
    const name = `digest_bench_${randomBytes(4).toString('hex')}`;
    const admin = await mysql.createConnection(baseUrl);
    await admin.query(`CREATE DATABASE \`${name}\``);
    const u = new URL(baseUrl);
    u.pathname = `/${name}`;
    const url = u.toString();
    await migrate(url);
    return {
      engine: 'mysql', url, name,
      async reset() {
        for (const t of TABLES) await admin.query(`TRUNCATE TABLE \`${name}\`.\`${t}\``);
      },
      async settings() {
        const [[v]] = await admin.query('SELECT @@version AS version, @@innodb_buffer_pool_size AS innodb_buffer_pool_size, '
          + '@@innodb_flush_log_at_trx_commit AS innodb_flush_log_at_trx_commit, @@sync_binlog AS sync_binlog, @@log_bin AS log_bin, @@max_connections AS max_connections');
        let iso;
        for (const q of ['@@transaction_isolation', '@@tx_isolation']) {
          try { [[iso]] = await admin.query(`SELECT ${q} AS iso`); break; } catch { /* older/newer name */ }
        }
        return { ...v, innodb_buffer_pool_size: Number(v.innodb_buffer_pool_size), transaction_isolation: iso?.iso,
          session_isolation_used: 'READ-COMMITTED (set per connection by the library and the raw floor)' };
      },
      async drop() {
        await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
        await admin.end();
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'digest-bench-'));
  const path = join(dir, 'bench.db');
  const url = `sqlite:${path}`;
  await migrate(url);
  return {
    engine: 'sqlite', url, path,
    async reset() {
      const c = rawSqlite(path);
      for (const t of TABLES) c.exec(`DELETE FROM ${t}`);
      c.exec("DELETE FROM sqlite_sequence; PRAGMA wal_checkpoint(TRUNCATE); VACUUM");
      c.close();
    },
    async settings() {
      const c = rawSqlite(path);
      const s = { version: `SQLite ${c.prepare('select sqlite_version() v').get().v}`, journal_mode: c.pragma('journal_mode', { simple: true }),
        synchronous: 'NORMAL (library default)', file: path };
      c.close();
      return s;
    },
    async drop() { rmSync(dir, { recursive: true, force: true }); },
  };
}

async function migrate(url) {
  const db = openDb(url);
  try { await db.migrate(); } finally { await db.close(); }
}

/** Purchase.Requested payload (src/handlers/purchase-requested.ts); supplier = i mod suppliers. */
export function purchase(i, suppliers) {
  const s = i % suppliers;
  return {
    request_id: `REQ-${i}`,
    supplier_id: `SUP-${String(s).padStart(5, '0')}`,
    supplier_email: `orders@supplier-${s}.example`,
    customer_email: `customer-${i % 9973}@shop.example`,
    item: `Item ${i % 500}, blue, size M`,
    quantity: 1 + (i % 7),
  };
}

/** Order.Created payload (examples/shop/order-created.ts), as the latency bench records them: 997 buyers. */
export function order(i) {
  return { email_address: `buyer-${i % 997}@shop.example`, order_id: i + 1 };
}

export const now = () => performance.now();
export const rate = (n, ms) => (ms > 0 ? n / (ms / 1000) : 0);

/** Runs `worker()` in `n` parallel loops until `seconds` pass; returns { count, ms }. */
export async function timedLoops(n, seconds, worker) {
  const end = now() + seconds * 1000;
  const t0 = now();
  let count = 0;
  await Promise.all(Array.from({ length: n }, async (_, k) => {
    while (now() < end) { await worker(k, count); count++; }
  }));
  return { count, ms: now() - t0 };
}

/**
 * Runs every step once per round (fresh tables before each), alternating, and
 * keeps the median-rate result of each step with all the rates as `samples`:
 * fsync-bound rates on a shared 2-core box swing by ±10% run to run.
 */
export async function rounds(bench, n, steps) {
  const got = Object.fromEntries(Object.keys(steps).map((k) => [k, []]));
  for (let i = 0; i < n; i++) {
    for (const [k, fn] of Object.entries(steps)) {
      await bench.reset();
      got[k].push(await fn());
    }
  }
  return Object.fromEntries(Object.entries(got).map(([k, rs]) => {
    if (rs[0]?.skipped) return [k, rs[0]];
    const sorted = [...rs].sort((a, b) => a.perSec - b.perSec);
    return [k, { ...sorted[Math.floor((sorted.length - 1) / 2)], samples: rs.map((x) => Math.round(x.perSec)) }];
  }));
}

export function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export const log = (...a) => process.stderr.write(`[bench] ${a.join(' ')}\n`);
