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

/** What one claim page holds at most (src/runner/page-budget.ts MAX_EVENTS_PER_PAGE). */
const PAGE_EVENTS = 5_000;
/**
 * Recipients per page of rawTwoPhaseDrain: the drain seeds SIZES.multiRows
 * events spread evenly over SIZES.suppliers recipients (200 each at full
 * scale), so as many whole recipients as fit 5,000 events — 25 at full scale,
 * the page ours takes (fitPage stops before the 26th: 5,200 > 5,000). Fixed
 * up front the simple way rather than counted per page: every recipient has
 * the same number of events.
 */
export const RECIPIENTS_PER_PAGE = Math.max(1, Math.floor(PAGE_EVENTS / Math.max(1, Math.ceil(SIZES.multiRows / SIZES.suppliers))));

/**
 * The two-phase floor: the least SQL for our drain's semantics, so the digest
 * drain can be compared with a floor that writes each event twice as ours
 * must (claimStamp writes it once, delivery_id and processed_at together).
 * One connection, serial; pages of RECIPIENTS_PER_PAGE recipients in
 * recipient order (keyset `recipient > last`), one delivery per recipient.
 * Per page, two transactions, because the send happens between them
 * (at-least-once: nothing is stamped before its message was handed over):
 *   1. the claim: the page's recipients (SELECT DISTINCT … ORDER BY recipient
 *      LIMIT n); their outstanding events, locked (FOR UPDATE SKIP LOCKED on
 *      MySQL; SQLite holds the write lock from BEGIN IMMEDIATE); one
 *      multi-row INSERT of the deliveries, born `sending` with a small
 *      rendered subject/text (string templates, no Handlebars: SQL only);
 *      the link, UPDATE … SET delivery_id = CASE WHEN id IN (…) THEN ? … END,
 *      1,000 event ids a statement.
 *   2. the send's commit: one UPDATE marking the page's deliveries sent, then
 *      UPDATE … SET processed_at, 1,000 event ids a statement.
 * Delivery ids come from the insert (consecutive: `auto_increment_increment`
 * apart on MySQL; SQLite holds the write lock), no read-back.
 * Checked afterwards (untimed): no event left unlinked or unstamped.
 */
export async function rawTwoPhaseDrain(bench) {
  const pageRecipients = RECIPIENTS_PER_PAGE;
  const CHUNK = 1000;
  const sqlite = bench.engine === 'sqlite';
  const ts = sqlite ? "strftime('%Y-%m-%d %H:%M:%f','now')" : 'UTC_TIMESTAMP(3)';
  const qs = (n) => Array(n).fill('?').join(', ');
  const recipientsSql = (first) => `SELECT DISTINCT recipient FROM digest_events
     WHERE type = ? AND delivery_id IS NULL${first ? '' : ' AND recipient > ?'} ORDER BY recipient LIMIT ?`;
  const eventsSql = (n) => `SELECT id, recipient, payload FROM digest_events
     WHERE type = ? AND delivery_id IS NULL AND recipient IN (${qs(n)})${sqlite ? '' : ' FOR UPDATE SKIP LOCKED'}`;
  const cols = '(run_id, event_type, recipient, group_key, transport, status, attempts, address, subject, text)';
  const insertSql = (n) => `INSERT INTO digest_deliveries ${cols} VALUES ${Array(n).fill("(1, ?, ?, ?, 'null', 'sending', 1, ?, ?, ?)").join(', ')}`;
  // branches: how many deliveries the chunk's ids belong to; n: its ids.
  const linkSql = (branches, n) => `UPDATE digest_events SET delivery_id = CASE ${branches.map((k) => `WHEN id IN (${qs(k)}) THEN ?`).join(' ')} END
     WHERE id IN (${qs(n)})`;
  const sentSql = (n) => `UPDATE digest_deliveries SET status = 'sent', sent_at = ${ts}, updated_at = ${ts} WHERE id IN (${qs(n)})`;
  const stampSql = (n) => `UPDATE digest_events SET processed_at = ${ts} WHERE id IN (${qs(n)})`;

  /** The page's events by recipient, in the page's recipient order (the deliveries' insert order). */
  const groupOf = (recipients, found) => {
    const by = new Map(recipients.map((r) => [r, []]));
    for (const e of found) by.get(e.recipient).push(e);
    return [...by].filter(([, es]) => es.length > 0);
  };
  const deliveryParams = (groups) => groups.flatMap(([recipient, es]) => {
    const p = typeof es[0].payload === 'string' ? JSON.parse(es[0].payload) : es[0].payload;
    return [TYPE, recipient, recipient, p.supplier_email, `${es.length} new purchase requests`,
      `Hello ${p.supplier_email}, you have ${es.length} new purchase requests, the first ${p.request_id}.`];
  });
  /** Link statements, CHUNK event ids each: [sql, params]. */
  const linkStatements = (groups, deliveryIds) => {
    const pairs = groups.flatMap(([, es], k) => es.map((e) => [deliveryIds[k], e.id]));
    const out = [];
    for (let i = 0; i < pairs.length; i += CHUNK) {
      const part = pairs.slice(i, i + CHUNK);
      const branches = [];
      for (const [d, id] of part) {
        const b = branches[branches.length - 1];
        if (b?.d === d) b.ids.push(id); else branches.push({ d, ids: [id] });
      }
      out.push([linkSql(branches.map((b) => b.ids.length), part.length),
        [...branches.flatMap((b) => [...b.ids, b.d]), ...part.map(([, id]) => id)]]);
    }
    return out;
  };
  const stampChunks = (eventIds) => {
    const out = [];
    for (let i = 0; i < eventIds.length; i += CHUNK) out.push(eventIds.slice(i, i + CHUNK));
    return out;
  };

  let last = null;
  let rows = 0;
  let batches = 0;
  let deliveries = 0;
  let t0;
  let ms;
  let left;
  if (sqlite) {
    const c = rawSqlite(bench.path);
    const cache = new Map();
    const stmt = (sql) => cache.get(sql) ?? cache.set(sql, c.prepare(sql)).get(sql);
    t0 = now();
    for (;;) {
      c.exec('BEGIN IMMEDIATE');
      const recipients = stmt(recipientsSql(last == null)).all(...(last == null ? [TYPE, pageRecipients] : [TYPE, last, pageRecipients]))
        .map((r) => r.recipient);
      if (!recipients.length) { c.exec('COMMIT'); break; }
      const groups = groupOf(recipients, stmt(eventsSql(recipients.length)).all(TYPE, ...recipients));
      const n = groups.length;
      const ins = stmt(insertSql(n)).run(...deliveryParams(groups));
      const first = Number(ins.lastInsertRowid) - n + 1;
      const deliveryIds = groups.map((_, k) => first + k);
      for (const [sql, params] of linkStatements(groups, deliveryIds)) stmt(sql).run(...params);
      c.exec('COMMIT');
      // (the send)
      const eventIds = groups.flatMap(([, es]) => es.map((e) => e.id));
      c.exec('BEGIN IMMEDIATE');
      stmt(sentSql(n)).run(...deliveryIds);
      for (const part of stampChunks(eventIds)) stmt(stampSql(part.length)).run(...part);
      c.exec('COMMIT');
      rows += eventIds.length;
      deliveries += n;
      batches++;
      last = recipients[recipients.length - 1];
    }
    ms = now() - t0;
    left = c.prepare('SELECT COUNT(*) AS n FROM digest_events WHERE delivery_id IS NULL OR processed_at IS NULL').get().n;
    c.close();
  } else {
    const c = await rawMysql(bench.url);
    const [[{ step }]] = await c.query('SELECT @@auto_increment_increment AS step');
    t0 = now();
    for (;;) {
      await c.beginTransaction();
      const [rs] = await c.query(recipientsSql(last == null), last == null ? [TYPE, pageRecipients] : [TYPE, last, pageRecipients]);
      const recipients = rs.map((r) => r.recipient);
      if (!recipients.length) { await c.commit(); break; }
      const [found] = await c.query(eventsSql(recipients.length), [TYPE, ...recipients]);
      const groups = groupOf(recipients, found);
      const n = groups.length;
      const [ins] = await c.query(insertSql(n), deliveryParams(groups));
      const deliveryIds = groups.map((_, k) => Number(ins.insertId) + k * Number(step));
      for (const [sql, params] of linkStatements(groups, deliveryIds)) await c.query(sql, params);
      await c.commit();
      // (the send)
      const eventIds = groups.flatMap(([, es]) => es.map((e) => e.id));
      await c.beginTransaction();
      await c.query(sentSql(n), deliveryIds);
      for (const part of stampChunks(eventIds)) await c.query(stampSql(part.length), part);
      await c.commit();
      rows += eventIds.length;
      deliveries += n;
      batches++;
      last = recipients[recipients.length - 1];
    }
    ms = now() - t0;
    const [[l]] = await c.query('SELECT COUNT(*) AS n FROM digest_events WHERE delivery_id IS NULL OR processed_at IS NULL');
    left = l.n;
    await c.end();
  }
  return {
    count: rows, batches, deliveries, recipientsPerPage: pageRecipients, unprocessedAfter: Number(left), ms, perSec: rate(rows, ms),
  };
}
