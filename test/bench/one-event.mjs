// Diagnostic: where one event's way out goes when the pipeline is idle
// (the own-API latency path: record, then an immediate run of one event).
//   node test/bench/one-event.mjs [rounds=300]
import { createApp } from '../../dist/src/app.js';
import { parseSchedules } from '../../dist/src/config/schedules.js';
import { silentLogger } from '../../dist/src/log.js';
import { runType } from '../../dist/src/runner/run.js';
import { createBenchDb, now } from './common.mjs';
import { TEMPLATES, handlers } from './ours.mjs';

const rounds = Number(process.argv[2] ?? 300);
const bench = await createBenchDb(process.env.DATABASE_URL);
try {
  const config = parseSchedules('transports:\n  t: { kind: console }\nevents:\n  Order.Created: { cadence: immediate, transport: t }\n', {});
  const stats = new Map();
  const add = (key, ms) => { const s = stats.get(key) ?? []; s.push(ms); stats.set(key, s); };
  const shape = (sql) => sql.replace(/\s+/g, ' ').trim().replace(/\(\?(, \?)*\)/g, '(…)').slice(0, 80);
  const timed = (ex, where) => ({
    dialect: ex.dialect,
    all: async (sql, p) => { const t = now(); try { return await ex.all(sql, p); } finally { add(`${where} ${shape(sql)}`, now() - t); } },
    run: async (sql, p) => { const t = now(); try { return await ex.run(sql, p); } finally { add(`${where} ${shape(sql)}`, now() - t); } },
  });
  let sentAt = 0;
  const app = await createApp({ databaseUrl: bench.url, config, handlers, templatesDir: TEMPLATES, logger: silentLogger,
    transports: { t: { name: 't', concurrency: 256, send: async () => { sentAt = now(); } } } });
  const db = app.ctx.db;
  app.ctx.db = { ...db, ...timed(db, 'auto'), transaction: async (fn) => {
    const t = now();
    try { return await db.transaction((tx) => fn(timed(tx, '  tx'))); } finally { add('TRANSACTION', now() - t); }
  } };
  for (let i = 0; i < rounds; i++) {
    const t0 = now();
    await app.recorder.record('Order.Created', { email_address: `b${i}@shop.example`, order_id: i + 1 });
    add('record()', now() - t0);
    const t1 = now();
    await runType(app.ctx, { type: 'Order.Created', trigger: 'immediate' });
    add('record → sent (transport called)', sentAt - t0);
    add('runType (to sent mark)', now() - t1);
  }
  await app.close();
  const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(`${bench.engine}: ${rounds} rounds, medians`);
  for (const [k, v] of stats) console.log(`${med(v).toFixed(3).padStart(8)} ms  ×${String(v.length / rounds).padEnd(4)} ${k}`);
} finally {
  await bench.drop();
}
