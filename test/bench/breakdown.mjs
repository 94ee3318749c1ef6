// Diagnostic: where a drain's wall time goes, per SQL statement shape.
//   node test/bench/breakdown.mjs [order|purchase] [events=5000] [--webhook]
// Seeds events with raw multi-row INSERTs, drains them in-process through
// runType with every statement, transaction and transport send timed.
import { createServer } from 'node:http';
import { createApp } from '../../dist/src/app.js';
import { parseSchedules } from '../../dist/src/config/schedules.js';
import { silentLogger } from '../../dist/src/log.js';
import { runType } from '../../dist/src/runner/run.js';
import { createBenchDb, now, purchase, rawMysql, rawSqlite } from './common.mjs';
import { TEMPLATES, handlers } from './ours.mjs';

const [kind = 'order', countArg = '5000'] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const webhook = process.argv.includes('--webhook');
const count = Number(countArg);
const TYPE = kind === 'order' ? 'Order.Created' : 'Purchase.Requested';
const payload = (i) => (kind === 'order' ? { email_address: `buyer-${i % 997}@shop.example`, order_id: i + 1 } : purchase(i, 1000));

const bench = await createBenchDb(process.env.DATABASE_URL);
try {
  // Seed.
  const rows = Array.from({ length: count }, (_, i) => { const p = payload(i); return [TYPE, String(p.email_address ?? p.supplier_id), JSON.stringify(p)]; });
  for (let i = 0; i < rows.length; i += 1000) {
    const chunk = rows.slice(i, i + 1000);
    const sql = `INSERT INTO digest_events (type, recipient, payload) VALUES ${chunk.map(() => '(?, ?, ?)').join(', ')}`;
    if (bench.engine === 'mysql') { const c = await rawMysql(bench.url); await c.query(sql, chunk.flat()); await c.end(); }
    else { const c = rawSqlite(bench.path); c.prepare(sql).run(...chunk.flat()); c.close(); }
  }
  let server;
  let url = 'http://127.0.0.1:9/';
  if (webhook) {
    server = createServer((req, res) => { req.resume(); req.on('end', () => res.end('ok')); });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${server.address().port}/`;
  }
  const config = parseSchedules(`
transports:
  t: { kind: webhook, url: "${url}" }
events:
  ${TYPE}: { cadence: immediate, transport: t }
`, {});
  const stats = new Map();
  const add = (key, ms) => { const s = stats.get(key) ?? { n: 0, ms: 0 }; s.n++; s.ms += ms; stats.set(key, s); };
  const shape = (sql) => sql.replace(/\s+/g, ' ').trim().replace(/\(\?(, \?)*\)/g, '(…)').replace(/(, \(…\))+/g, ', …').slice(0, 90);
  const timed = (ex, where) => ({
    dialect: ex.dialect,
    all: async (sql, p) => { const t = now(); try { return await ex.all(sql, p); } finally { add(`${where} ${shape(sql)}`, now() - t); } },
    run: async (sql, p) => { const t = now(); try { return await ex.run(sql, p); } finally { add(`${where} ${shape(sql)}`, now() - t); } },
  });
  const nullSend = async () => {};
  const app = await createApp({ databaseUrl: bench.url, config, handlers, templatesDir: TEMPLATES, logger: silentLogger,
    transports: webhook ? {} : { t: { name: 't', concurrency: 256, send: nullSend } } });
  const db = app.ctx.db;
  const tdb = { ...db, ...timed(db, 'auto'), transaction: async (fn) => {
    const t = now();
    try { return await db.transaction((tx) => fn(timed(tx, '  tx'))); } finally { add('TRANSACTION (total, incl. BEGIN/COMMIT)', now() - t); }
  } };
  app.ctx.db = tdb;
  const transport = app.ctx.transports.get('t');
  app.ctx.transports = new Map([['t', { name: 't', concurrency: transport.concurrency, send: async (m) => { const t = now(); try { await transport.send(m); } finally { add('transport.send', now() - t); } } }]]);
  const t0 = now();
  const s = await runType(app.ctx, { type: TYPE, trigger: 'manual' });
  const wall = now() - t0;
  await app.close();
  server?.close();
  const accounted = [...stats].filter(([k]) => !k.startsWith('  tx')).reduce((a, [, v]) => a + v.ms, 0);
  console.log(`${bench.engine} ${TYPE}: ${s.eventsClaimed} events, ${s.deliveriesSent} deliveries in ${wall.toFixed(0)} ms `
    + `(${(s.deliveriesSent / (wall / 1000)).toFixed(0)} deliveries/s, ${(s.eventsClaimed / (wall / 1000)).toFixed(0)} events/s)`);
  console.log(`${'ms'.padStart(8)} ${'%wall'.padStart(6)} ${'count'.padStart(7)} ${'ms/each'.padStart(8)}  statement`);
  for (const [k, v] of [...stats].sort((a, b) => b[1].ms - a[1].ms)) {
    console.log(`${v.ms.toFixed(0).padStart(8)} ${((100 * v.ms) / wall).toFixed(1).padStart(6)} ${String(v.n).padStart(7)} ${(v.ms / v.n).toFixed(3).padStart(8)}  ${k}`);
  }
  console.log(`${(wall - accounted).toFixed(0).padStart(8)} ${((100 * (wall - accounted)) / wall).toFixed(1).padStart(6)}         outside SQL and transport (render, validation, JS)`);
} finally {
  await bench.drop();
}
