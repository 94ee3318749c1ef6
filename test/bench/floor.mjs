// The raw floor: plain mysql2 / better-sqlite3, hand-written SQL, same connection settings as the library.
import { SIZES, now, order, purchase, rate, rawMysql, rawSqlite, timedLoops } from './common.mjs';

const TYPE = 'Purchase.Requested';
const rowOf = (i, suppliers = SIZES.suppliers) => {
  const p = purchase(i, suppliers);
  return [TYPE, p.supplier_id, JSON.stringify(p)];
};
const ORDER = 'Order.Created';
/** An Order.Created row as record() stores it: the recipient is the lower-cased address. */
export const orderRowOf = (i) => {
  const p = order(i);
  return [ORDER, p.email_address.toLowerCase(), JSON.stringify(p)];
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

/** Multi-row INSERTs of SIZES.perStatement rows each, autocommit, one connection; `row(i, suppliers)` → [type, recipient, payload]. */
export async function rawMulti(bench, total = SIZES.multiRows, suppliers = SIZES.suppliers, row = rowOf) {
  const per = SIZES.perStatement;
  const sqlFor = (n) => `INSERT INTO digest_events (type, recipient, payload) VALUES ${Array(n).fill('(?, ?, ?)').join(', ')}`;
  const params = (from, n) => Array.from({ length: n }, (_, k) => row(from + k, suppliers)).flat();
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

/**
 * The receipts floor: one delivery per outstanding Order.Created event, the
 * least SQL that keeps the outbox honest. Per batch of SIZES.receiptsBatch
 * events (keyset `id > last`), two transactions, because the send happens
 * between them and a delivery committed `sent` before it is handed over
 * would be lost by a crash:
 *   1. SELECT the batch FOR UPDATE SKIP LOCKED; one multi-row INSERT of its
 *      deliveries, born `sending` with the rendered message (a string
 *      template here, no Handlebars: SQL only); one UPDATE linking each event
 *      to its delivery (CASE id WHEN … THEN …).
 *   2. one UPDATE marking the batch's deliveries sent, one stamping its events.
 * A multi-row INSERT's ids are consecutive (`auto_increment_increment` apart
 * on MySQL; SQLite holds the write lock), so no read-back is needed.
 * oneTx: a diagnostic below the floor — deliveries born `sent`, linked and
 * stamped in one UPDATE, one transaction per batch (no send could sit
 * between claim and sent: not at-least-once). What the row writes cost alone.
 */
export async function rawReceipts(bench, { oneTx = false } = {}) {
  const batch = SIZES.receiptsBatch;
  const ts = bench.engine === 'sqlite' ? "strftime('%Y-%m-%d %H:%M:%f','now')" : 'UTC_TIMESTAMP(3)';
  const cols = '(run_id, event_type, recipient, group_key, transport, status, attempts, address, subject, text, sent_at)';
  const values = (n) => Array(n).fill(`(1, ?, ?, ?, 'null', '${oneTx ? 'sent' : 'sending'}', 1, ?, ?, ?, ${oneTx ? ts : 'NULL'})`).join(', ');
  const deliveryParams = (found) => found.flatMap((e) => {
    const p = typeof e.payload === 'string' ? JSON.parse(e.payload) : e.payload;
    return [ORDER, e.recipient, String(e.id), p.email_address, `Your receipt for order #${p.order_id}`,
      `Sending receipt to ${p.email_address} for order #${p.order_id}...`];
  });
  const qs = (n) => Array(n).fill('?').join(', ');
  const link = (n) => `UPDATE digest_events SET delivery_id = CASE id ${Array(n).fill('WHEN ? THEN ?').join(' ')} END${oneTx ? `, processed_at = ${ts}` : ''}
    WHERE id IN (${qs(n)})`;
  const sent = (n) => `UPDATE digest_deliveries SET status = 'sent', sent_at = ${ts}, updated_at = ${ts} WHERE id IN (${qs(n)})`;
  const stamp = (n) => `UPDATE digest_events SET processed_at = ${ts} WHERE id IN (${qs(n)})`;
  const linkParams = (eventIds, deliveryIds) => [...eventIds.flatMap((id, k) => [id, deliveryIds[k]]), ...eventIds];
  let last = 0;
  let rows = 0;
  let batches = 0;
  const t0 = now();
  if (bench.engine === 'sqlite') {
    const c = rawSqlite(bench.path);
    const sel = c.prepare(`SELECT id, recipient, payload FROM digest_events WHERE type = ? AND delivery_id IS NULL AND id > ? ORDER BY id LIMIT ?`);
    const cache = new Map();
    const stmt = (key, sql) => cache.get(key) ?? cache.set(key, c.prepare(sql)).get(key);
    for (;;) {
      c.exec('BEGIN IMMEDIATE');
      const found = sel.all(ORDER, last, batch);
      const n = found.length;
      if (!n) { c.exec('COMMIT'); break; }
      const ins = stmt(`i${n}`, `INSERT INTO digest_deliveries ${cols} VALUES ${values(n)}`).run(...deliveryParams(found));
      const first = Number(ins.lastInsertRowid) - n + 1;
      const eventIds = found.map((e) => e.id);
      const deliveryIds = eventIds.map((_, k) => first + k);
      stmt(`l${n}`, link(n)).run(...linkParams(eventIds, deliveryIds));
      c.exec('COMMIT');
      if (!oneTx) { // (the send)
        c.exec('BEGIN IMMEDIATE');
        stmt(`s${n}`, sent(n)).run(...deliveryIds);
        stmt(`p${n}`, stamp(n)).run(...eventIds);
        c.exec('COMMIT');
      }
      rows += n;
      batches++;
      last = eventIds[n - 1];
    }
    c.close();
  } else {
    const c = await rawMysql(bench.url);
    const [[{ step }]] = await c.query('SELECT @@auto_increment_increment AS step');
    for (;;) {
      await c.beginTransaction();
      const [found] = await c.query(
        'SELECT id, recipient, payload FROM digest_events WHERE type = ? AND delivery_id IS NULL AND id > ? ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED',
        [ORDER, last, batch]);
      const n = found.length;
      if (!n) { await c.commit(); break; }
      const [ins] = await c.query(`INSERT INTO digest_deliveries ${cols} VALUES ${values(n)}`, deliveryParams(found));
      const eventIds = found.map((e) => e.id);
      const deliveryIds = eventIds.map((_, k) => Number(ins.insertId) + k * Number(step));
      await c.query(link(n), linkParams(eventIds, deliveryIds));
      await c.commit();
      if (!oneTx) { // (the send)
        await c.beginTransaction();
        await c.query(sent(n), deliveryIds);
        await c.query(stamp(n), eventIds);
        await c.commit();
      }
      rows += n;
      batches++;
      last = eventIds[n - 1];
    }
    await c.end();
  }
  const ms = now() - t0;
  return { count: rows, batches, ms, perSec: rate(rows, ms), batch, oneTx };
}
