// Diagnostic: what separates record() from a raw single-row INSERT.
//   DATABASE_URL=mysql://… node test/bench/exp-record.mjs [seconds=5]
// Each variant inserts the same Purchase.Requested payloads for `seconds`,
// one caller (then 16 callers), and the JS cost of record() is measured alone
// against an executor that does no I/O.
import mysql from 'mysql2/promise';
import { handlers } from '../../dist/src/handlers/index.js';
import { createRegistry } from '../../dist/src/handlers/registry.js';
import { createRecorder } from '../../dist/src/record.js';
import { openMysql } from '../../dist/src/store/mysql.js';
import { createBenchDb, now, purchase, rate, rawMysql, timedLoops } from './common.mjs';

const seconds = Number(process.argv[2] ?? 5);
const TYPE = 'Purchase.Requested';
const bench = await createBenchDb(process.env.DATABASE_URL);
if (bench.engine !== 'mysql') throw new Error('exp-record is for MySQL (set DATABASE_URL)');
const SIMPLE = 'INSERT INTO digest_events (type, recipient, payload) VALUES (?, ?, ?)';
const OURS = `INSERT INTO digest_events (type, recipient, payload, idempotency_key, occurred_at, available_at)
  VALUES (?, ?, ?, ?, COALESCE(?, UTC_TIMESTAMP(3)), COALESCE(?, UTC_TIMESTAMP(3))) ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id)`;
let i = 0;
const simpleRow = () => { const p = purchase(i++, 1000); return [TYPE, p.supplier_id, JSON.stringify(p)]; };
const oursRow = () => [...simpleRow(), null, null, null];
const out = [];
const measure = async (label, callers, setup) => {
  await bench.reset();
  const { fn, close } = await setup();
  const r = await timedLoops(callers, seconds, fn);
  await close();
  out.push([label, callers, Math.round(rate(r.count, r.ms))]);
  console.log(`${String(Math.round(rate(r.count, r.ms))).padStart(7)}/s  ${callers} caller(s)  ${label}`);
};
try {
  // JS-only cost of record(): validation, JSON, recipient, params — no database.
  const fake = { dialect: 'mysql', all: async () => [], run: async () => ({ affectedRows: 1, insertId: 1 }), transaction: (f) => f(fake) };
  const rec = createRecorder(fake, createRegistry(handlers));
  const n = 50_000;
  let t = now();
  for (let k = 0; k < n; k++) await rec.record(TYPE, purchase(k, 1000));
  console.log(`record() JS cost without I/O: ${((1000 * (now() - t)) / n).toFixed(1)} µs/call`);
  t = now();
  for (let k = 0; k < n; k++) simpleRow();
  console.log(`raw floor JS cost (payload + JSON.stringify): ${((1000 * (now() - t)) / n).toFixed(1)} µs/row`);

  for (const callers of [1, 16]) {
    const conns = callers;
    await measure('raw: conn.query, simple INSERT (the floor)', callers, async () => {
      const cs = await Promise.all(Array.from({ length: conns }, () => rawMysql(bench.url)));
      return { fn: (k) => cs[k].query(SIMPLE, simpleRow()), close: () => Promise.all(cs.map((c) => c.end())) };
    });
    await measure("raw: conn.query, the library's INSERT text (ON DUPLICATE KEY, COALESCE)", callers, async () => {
      const cs = await Promise.all(Array.from({ length: conns }, () => rawMysql(bench.url)));
      return { fn: (k) => cs[k].query(OURS, oursRow()), close: () => Promise.all(cs.map((c) => c.end())) };
    });
    await measure(`raw: mysql2 pool (limit ${Math.max(10, callers)}), simple INSERT`, callers, async () => {
      const pool = mysql.createPool({ uri: bench.url, timezone: 'Z', connectionLimit: Math.max(10, callers), supportBigNumbers: true });
      return { fn: () => pool.query(SIMPLE, simpleRow()), close: () => pool.end() };
    });
    for (const limit of callers === 1 ? [10] : [10, 16]) {
      await measure(`record() over openMysql (pool limit ${limit})`, callers, async () => {
        const db = openMysql(bench.url, { connectionLimit: limit });
        const r = createRecorder(db, createRegistry(handlers));
        return { fn: () => r.record(TYPE, purchase(i++, 1000)), close: () => db.close() };
      });
    }
  }
} finally {
  await bench.drop();
}
