// The raw floor: plain mysql2 / better-sqlite3, hand-written SQL, same connection settings as the library.
import { SIZES, now, purchase, rate, rawMysql, rawSqlite, timedLoops } from './common.mjs';

const TYPE = 'Purchase.Requested';
const rowOf = (i, suppliers = SIZES.suppliers) => {
  const p = purchase(i, suppliers);
  return [TYPE, p.supplier_id, JSON.stringify(p)];
};

/** Single-row INSERTs, autocommit, on `conns` connections for SIZES.singleSeconds. */
export async function rawSingle(bench, conns) {
  const sql = 'INSERT INTO digest_events (type, recipient, payload) VALUES (?, ?, ?)';
  if (bench.engine === 'sqlite') {
    if (conns > 1) return { skipped: 'better-sqlite3 is synchronous: one process is one writer; see the 1-connection row' };
    const c = rawSqlite(bench.path);
    const ins = c.prepare(sql);
    let i = 0;
    const r = await timedLoops(1, SIZES.singleSeconds, async () => { ins.run(...rowOf(i++)); });
    c.close();
    return { count: r.count, ms: r.ms, perSec: rate(r.count, r.ms) };
  }
  const cs = await Promise.all(Array.from({ length: conns }, () => rawMysql(bench.url)));
  let i = 0;
  const r = await timedLoops(conns, SIZES.singleSeconds, (k) => cs[k].query(sql, rowOf(i++)));
  await Promise.all(cs.map((c) => c.end()));
  return { count: r.count, ms: r.ms, perSec: rate(r.count, r.ms), connections: conns };
}

/** Multi-row INSERTs of SIZES.perStatement rows each, autocommit, one connection. */
export async function rawMulti(bench, total = SIZES.multiRows, suppliers = SIZES.suppliers) {
  const per = SIZES.perStatement;
  const sqlFor = (n) => `INSERT INTO digest_events (type, recipient, payload) VALUES ${Array(n).fill('(?, ?, ?)').join(', ')}`;
  const params = (from, n) => Array.from({ length: n }, (_, k) => rowOf(from + k, suppliers)).flat();
  const t0 = now();
  if (bench.engine === 'sqlite') {
    const c = rawSqlite(bench.path);
    const full = c.prepare(sqlFor(per));
    for (let i = 0; i < total; i += per) {
      const n = Math.min(per, total - i);
      (n === per ? full : c.prepare(sqlFor(n))).run(...params(i, n));
    }
    c.close();
  } else {
    const c = await rawMysql(bench.url);
    for (let i = 0; i < total; i += per) {
      const n = Math.min(per, total - i);
      await c.query(sqlFor(n), params(i, n));
    }
    await c.end();
  }
  const ms = now() - t0;
  return { count: total, ms, perSec: rate(total, ms) };
}

/**
 * Claim + stamp every outstanding row, SIZES.claimBatch per transaction:
 * SELECT … FOR UPDATE SKIP LOCKED, then UPDATE … WHERE id IN (…).
 * keyset: add `AND id > <last id claimed>` (a diagnostic variant: without it
 * the ORDER BY id plan walks the primary key over every row already stamped,
 * so each batch gets slower as the drain proceeds).
 */
export async function rawClaimStamp(bench, { keyset = false } = {}) {
  const batch = SIZES.claimBatch;
  const after = keyset ? ' AND id > ?' : '';
  let last = 0;
  const selParams = () => (keyset ? [TYPE, last, batch] : [TYPE, batch]);
  let rows = 0;
  let batches = 0;
  const t0 = now();
  if (bench.engine === 'sqlite') {
    const c = rawSqlite(bench.path);
    const sel = c.prepare(`SELECT id FROM digest_events WHERE type = ? AND delivery_id IS NULL${after} ORDER BY id LIMIT ?`);
    const stamps = new Map();
    const stamp = (n) => stamps.get(n) ?? stamps.set(n, c.prepare(
      `UPDATE digest_events SET delivery_id = ?, processed_at = strftime('%Y-%m-%d %H:%M:%f','now') WHERE id IN (${Array(n).fill('?').join(', ')})`)).get(n);
    for (;;) {
      c.exec('BEGIN IMMEDIATE');
      const ids = sel.all(...selParams()).map((r) => r.id);
      if (ids.length) stamp(ids.length).run(++batches, ...ids);
      c.exec('COMMIT');
      if (!ids.length) break;
      rows += ids.length;
      last = ids[ids.length - 1];
    }
    c.close();
  } else {
    const c = await rawMysql(bench.url);
    for (;;) {
      await c.beginTransaction();
      const [found] = await c.query(
        `SELECT id FROM digest_events WHERE type = ? AND delivery_id IS NULL${after} ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED`, selParams());
      const ids = found.map((r) => r.id);
      if (ids.length) {
        await c.query(`UPDATE digest_events SET delivery_id = ?, processed_at = UTC_TIMESTAMP(3) WHERE id IN (${Array(ids.length).fill('?').join(', ')})`,
          [++batches, ...ids]);
      }
      await c.commit();
      if (!ids.length) break;
      rows += ids.length;
      last = ids[ids.length - 1];
    }
    await c.end();
  }
  const ms = now() - t0;
  return { count: rows, batches, ms, perSec: rate(rows, ms), keyset };
}
