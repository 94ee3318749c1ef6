// Ours: record(), recordMany() and a full drain through the built library (dist/).
import { fileURLToPath } from 'node:url';
import { createApp } from '../../dist/src/app.js';
import { parseSchedules } from '../../dist/src/config/schedules.js';
import { createDigest } from '../../dist/src/digest.js';
import { handlers } from '../../dist/examples/shop/handlers.js';
import { createRegistry } from '../../dist/src/handlers/registry.js';
import { silentLogger } from '../../dist/src/log.js';
import { createRecorder } from '../../dist/src/record.js';
import { runType } from '../../dist/src/runner/run.js';
import { openMysql } from '../../dist/src/store/mysql.js';
import { SIZES, now, order, purchase, rate, timedLoops } from './common.mjs';

const TYPE = 'Purchase.Requested';
export { handlers };
export const TEMPLATES = fileURLToPath(new URL('../../examples/shop/templates/', import.meta.url));

/**
 * record() from `callers` concurrent callers on one client for SIZES.singleSeconds.
 * poolSize: null = createDigest (the library's default pool); a number = a
 * recorder over openMysql(url, { connectionLimit }) — a diagnostic only, since
 * createDigest has no way to set the pool size.
 */
export async function oursRecordSingle(bench, callers, poolSize = null) {
  let client;
  if (poolSize == null) client = createDigest({ databaseUrl: bench.url, logger: silentLogger });
  else {
    const db = openMysql(bench.url, { connectionLimit: poolSize });
    client = { ...createRecorder(db, createRegistry(handlers)), close: () => db.close() };
  }
  let i = 0;
  const r = await timedLoops(callers, SIZES.singleSeconds, () => client.record(TYPE, purchase(i++, SIZES.suppliers)));
  await client.close();
  return { count: r.count, ms: r.ms, perSec: rate(r.count, r.ms), callers, pool: poolSize ?? 'default (createDigest)' };
}

const purchaseEvent = (i) => ({ type: TYPE, payload: purchase(i, SIZES.suppliers) });
/** Order.Created (the receipts row), as the latency bench records them. */
export const orderEvent = (i) => ({ type: 'Order.Created', payload: order(i) });

/** recordMany() of SIZES.perStatement events per call; `eventOf(i)` → { type, payload }. */
export async function oursRecordMany(bench, total = SIZES.multiRows, eventOf = purchaseEvent) {
  const client = createDigest({ databaseUrl: bench.url, logger: silentLogger, ...(eventOf === purchaseEvent ? {} : { handlers }) });
  const per = SIZES.perStatement;
  const t0 = now();
  for (let i = 0; i < total; i += per) {
    const n = Math.min(per, total - i);
    await client.recordMany(Array.from({ length: n }, (_, k) => eventOf(i + k)));
  }
  const ms = now() - t0;
  await client.close();
  return { count: total, ms, perSec: rate(total, ms) };
}

/**
 * A transport that does nothing. It declares many sends in flight, as
 * console does (console/file/null: many sends): the drain rows measure
 * the runner, not a transport's limit. (Older runners ignore `concurrency`.)
 */
const nullTransport = () => ({ name: 'null', concurrency: 256, send: async () => {} });

/** An app with one type (its schedules line given) delivered to a transport named "null" that does nothing. */
function nullApp(url, eventLine) {
  const config = parseSchedules(`
timezone: UTC
transports:
  "null": { kind: console }
events:
  ${eventLine}
`, {});
  return createApp({
    databaseUrl: url, config, handlers, templatesDir: TEMPLATES, logger: silentLogger,
    transports: { null: nullTransport() },
  });
}

/** Purchase.Requested only (default batchSize unless given). */
export function drainApp(url, { batchSize } = {}) {
  return nullApp(url, `Purchase.Requested: { cadence: "0 */4 * * *", transport: "null"${batchSize ? `, batchSize: ${batchSize}` : ''} }`);
}

/** Drains every outstanding Purchase.Requested event: claim → render → null transport → stamp. */
export async function oursDrain(bench, appReady = drainApp(bench.url)) {
  const app = await appReady;
  const t0 = now();
  const s = await runType(app.ctx, { type: TYPE, trigger: 'manual' });
  const ms = now() - t0;
  const [left] = await app.ctx.db.all('SELECT COUNT(*) AS n FROM digest_events WHERE processed_at IS NULL');
  await app.close();
  return {
    count: s.eventsClaimed, deliveries: s.deliveriesSent, failed: s.deliveriesFailed, unprocessedAfter: Number(left.n), ms,
    perSec: rate(s.eventsClaimed, ms), deliveriesPerSec: rate(s.deliveriesSent, ms),
  };
}

/**
 * Order.Created only (cadence immediate, group: event — one receipt per
 * order, the shop's order-receipt template), delivered to a transport named
 * "null" that does nothing (many sends in flight).
 */
export function receiptsApp(url) {
  return nullApp(url, 'Order.Created: { cadence: immediate, transport: "null" }');
}

/**
 * Drains every outstanding Order.Created event as the immediate loop does:
 * runType (trigger immediate) again and again until a run claims nothing.
 * Timed to the end of the last run that claimed something.
 */
export async function oursReceipts(bench, appReady = receiptsApp(bench.url)) {
  const app = await appReady;
  const total = { eventsClaimed: 0, deliveriesSent: 0, deliveriesFailed: 0, runs: 0 };
  const t0 = now();
  let t1 = t0;
  for (;;) {
    const s = await runType(app.ctx, { type: 'Order.Created', trigger: 'immediate' });
    if (s.eventsClaimed === 0) break;
    total.runs++;
    total.eventsClaimed += s.eventsClaimed;
    total.deliveriesSent += s.deliveriesSent;
    total.deliveriesFailed += s.deliveriesFailed;
    t1 = now();
  }
  const ms = t1 - t0;
  const [left] = await app.ctx.db.all('SELECT COUNT(*) AS n FROM digest_events WHERE processed_at IS NULL');
  await app.close();
  return {
    count: total.eventsClaimed, deliveries: total.deliveriesSent, failed: total.deliveriesFailed, runs: total.runs,
    unprocessedAfter: Number(left.n), ms, perSec: rate(total.eventsClaimed, ms),
  };
}
