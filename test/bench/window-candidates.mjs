// Diagnostic (not part of npm run bench): what one page of a window run's
// candidate query costs when many recipients are due at once. The window
// claim (src/store/event-claims.ts selectOutstandingRecipients, pool `held`)
// reads `type = ? AND delivery_id IS NULL AND held_until <= now` as a range of
// digest_events_claim and must then group and sort every due row by
// recipient for each page (the `recipient > cursor` filter cannot narrow a
// range that comes after held_until's): a page costs what is due, so a pass
// costs (due / page size) × due. Also EXPLAINs holdEvents' UPDATE.
//   node test/bench/window-candidates.mjs [events]          (SQLite, a temp file)
//   DATABASE_URL=mysql://… node test/bench/window-candidates.mjs [events]
// Half of `events` (default 100,000) are held and due, one per recipient.
import { createBenchDb, rawMysql, rawSqlite } from './common.mjs';
const bench = await createBenchDb(process.env.DATABASE_URL);
const sqlite = bench.engine === 'sqlite';
const N = Number(process.argv[2] ?? 100_000);
const c = sqlite ? rawSqlite(bench.path) : await rawMysql(bench.url);
const q = async (sql, p = []) => (sqlite ? (/^\s*(select|explain)/i.test(sql) ? c.prepare(sql).all(...p) : c.prepare(sql).run(...p)) : (await c.query(sql, p))[0]);
if (sqlite) c.exec('BEGIN');
for (let i = 0; i < N; i += 1000) {
  const rows = Array.from({ length: 1000 }, (_, k) => i + k);
  await q(`INSERT INTO digest_events (type, recipient, payload, held_until) VALUES ${rows.map(() => "('Purchase.Requested', ?, '{}', ?)").join(', ')}`,
    rows.flatMap((x) => [`SUP-${String(x).padStart(7, '0')}`, x % 2 ? '2027-01-16 10:00:00.000' : '2027-01-15 10:00:00.000']));
}
if (sqlite) c.exec('COMMIT');
const ids = Array.from({ length: 42 }, (_, k) => 1 + k * 24);
const ex = sqlite ? 'EXPLAIN QUERY PLAN ' : 'EXPLAIN ';
const show = (rows) => (sqlite ? rows.map((r) => r.detail).join('; ') : rows.map((r) => `${r.table}: type=${r.type} key=${r.key} rows=${r.rows} ${r.Extra ?? ''}`).join('; '));
const hold = `UPDATE digest_events SET held_until = ? WHERE delivery_id IS NULL AND id IN (${ids.map(() => '?').join(', ')})`;
console.log(bench.engine, 'holdEvents:', show(await q(ex + hold, ['2027-01-15 11:00:00.000', ...ids])));
let t = performance.now();
for (let i = 0; i < 20; i++) await q(hold, ['2027-01-15 11:00:00.000', ...ids]);
console.log('  holdEvents UPDATE of 42 ids: ms each', ((performance.now() - t) / 20).toFixed(2));
const cand = (after) => `SELECT recipient, COUNT(*) AS outstanding, MIN(available_at) AS since FROM digest_events
 WHERE type = ? AND delivery_id IS NULL AND held_until <= ?${after ? ' AND recipient > ?' : ''} AND available_at <= ? GROUP BY recipient ORDER BY recipient LIMIT ?`;
console.log('windowCandidates:', show(await q(ex + cand(true), ['Purchase.Requested', '2027-01-15 10:00:30.000', 'SUP-0050000', '2027-01-15 10:00:30.000', 1000])));
for (const after of [null, `SUP-${String(Math.floor(N / 2)).padStart(7, '0')}`, `SUP-${String(N - 1000).padStart(7, '0')}`]) {
  t = performance.now();
  for (let i = 0; i < 5; i++) await q(cand(after), ['Purchase.Requested', '2027-01-15 10:00:30.000', ...(after ? [after] : []), '2099-01-01 00:00:00.000', 1000]);
  console.log(`  candidates page (${N / 2} due, LIMIT 1000) after ${after}: ms`, ((performance.now() - t) / 5).toFixed(1));
}
sqlite ? c.close() : await c.end();
await bench.drop();
