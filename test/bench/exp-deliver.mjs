// Diagnostic for the proposed fix "deliver a claimed page with bounded concurrency":
// drains seeded events with runType as shipped (sequential) and with a copy of
// its loop that runs up to K deliver() calls at once (claimPage/deliver from dist).
//   node test/bench/exp-deliver.mjs [order|purchase] [events=3000] [K=1,4,8]
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { createApp } from '../../dist/src/app.js';
import { parseSchedules } from '../../dist/src/config/schedules.js';
import { silentLogger } from '../../dist/src/log.js';
import { claimPage } from '../../dist/src/runner/claim.js';
import { deliver } from '../../dist/src/runner/deliver.js';
import { runType } from '../../dist/src/runner/run.js';
import { createBenchDb, now, purchase, rawMysql, rawSqlite } from './common.mjs';
import { TEMPLATES } from './ours.mjs';

const [kind = 'order', countArg = '3000', ksArg = '1,4,8'] = process.argv.slice(2);
const count = Number(countArg);
const TYPE = kind === 'order' ? 'Order.Created' : 'Purchase.Requested';
const payload = (i) => (kind === 'order' ? { email_address: `buyer-${i % 997}@shop.example`, order_id: i + 1 } : purchase(i, 1000));

/** runType's loop (src/runner/run.ts) with the page's deliveries run K at a time. */
export async function runConcurrent(ctx, type, k, trigger = 'manual') {
  let after = null;
  let runId = null;
  let sent = 0;
  let claimed = 0;
  for (;;) {
    const page = await claimPage(ctx, { type, runId, trigger, after });
    if (page.done) break;
    runId ??= page.runId;
    after = page.last;
    claimed += page.events;
    const queue = [...page.deliveries];
    await Promise.all(Array.from({ length: k }, async () => {
      for (let d = queue.shift(); d; d = queue.shift()) if ((await deliver(ctx, d)) === 'sent') sent++;
    }));
  }
  return { sent, claimed };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();

async function main() {
const bench = await createBenchDb(process.env.DATABASE_URL);
const server = createServer((req, res) => { req.resume(); req.on('end', () => res.end('ok')); });
await new Promise((r) => server.listen(0, '127.0.0.1', r));
try {
  const config = parseSchedules(`
transports:
  hook: { kind: webhook, url: "http://127.0.0.1:${server.address().port}/" }
events:
  ${TYPE}: { cadence: immediate, transport: hook }
`, {});
  for (const k of ksArg.split(',').map(Number)) {
    await bench.reset();
    const rows = Array.from({ length: count }, (_, i) => { const p = payload(i); return [TYPE, String(p.email_address ?? p.supplier_id), JSON.stringify(p)]; });
    for (let i = 0; i < rows.length; i += 1000) {
      const chunk = rows.slice(i, i + 1000);
      const sql = `INSERT INTO digest_events (type, recipient, payload) VALUES ${chunk.map(() => '(?, ?, ?)').join(', ')}`;
      if (bench.engine === 'mysql') { const c = await rawMysql(bench.url); await c.query(sql, chunk.flat()); await c.end(); }
      else { const c = rawSqlite(bench.path); c.prepare(sql).run(...chunk.flat()); c.close(); }
    }
    const app = createApp({ databaseUrl: bench.url, config, templatesDir: TEMPLATES, logger: silentLogger });
    const t0 = now();
    const sent = k === 1 ? (await runType(app.ctx, { type: TYPE, trigger: 'manual' })).deliveriesSent : (await runConcurrent(app.ctx, TYPE, k)).sent;
    const ms = now() - t0;
    await app.close();
    console.log(`${bench.engine} ${TYPE} K=${k}${k === 1 ? ' (runType as shipped)' : ''}: ${sent} deliveries in ${ms.toFixed(0)} ms = ${(sent / (ms / 1000)).toFixed(0)} deliveries/s`);
  }
} finally {
  server.close();
  await bench.drop();
}
}
