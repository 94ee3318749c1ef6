import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { createMetrics, type Metrics } from '../../src/http/metrics.js';
import { createHttpServer, listen } from '../../src/http/server.js';
import { createLifecycle } from '../../src/lifecycle.js';
import type { Db } from '../../src/store/db.js';
import { testApp } from '../support/app.js';
import { DatabaseClock } from '../support/database-clock.js';
import { describeEngines, truncateAll } from '../support/engines.js';
import { seedEvent } from '../support/factory.js';

const TOKEN = 'metrics-token';

// One sample line of the Prometheus text format 0.0.4: name, optional {labels}, value, optional timestamp.
const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\["\\\\n])*"';
// Prometheus reads NaN/Inf case-insensitively (prom-client prints `Nan`).
const VALUE = '(?:[-+]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][-+]?\\d+)?|[nN]a[nN]|[-+][iI]nf)';
const SAMPLE = new RegExp(`^(${NAME})(?:\\{((?:${LABEL})(?:,${LABEL})*,?)?\\})? (${VALUE})(?: -?\\d+)?$`);
const COMMENT = new RegExp(`^# (?:HELP ${NAME} .*|TYPE ${NAME} (?:counter|gauge|histogram|summary|untyped))$`);

/** Parses the exposition; throws on any line that is not valid. Keys are `name{a="x",b="y"}` as printed. */
function parseProm(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      if (!COMMENT.test(line)) throw new Error(`bad comment line: ${line}`);
      continue;
    }
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`bad sample line: ${line}`);
    const v = m[3]!;
    samples.set(`${m[1]}{${m[2] ?? ''}}`, /inf$/i.test(v) ? (v.startsWith('-') ? -Infinity : Infinity) : /^nan$/i.test(v) ? NaN : Number(v));
  }
  return samples;
}

const request = (i: number, supplier: number) => ({
  request_id: `R${i}`, supplier_id: `S${supplier}`, supplier_email: `s${supplier}@supplier.example`,
  customer_email: `c${i}@shop.example`, item: `item ${i}`, quantity: 1,
});

const AGE = (type: string) => `digest_oldest_outstanding_event_age_seconds{type="${type}"}`;
const SINCE_RUN = (type: string) => `digest_seconds_since_last_successful_run{type="${type}"}`;

describeEngines('/metrics', (engine) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  const dbClock = new DatabaseClock();
  let metrics: Metrics;
  let server: FastifyInstance;
  let base: string;
  const headers = { authorization: `Bearer ${TOKEN}` };
  const scrape = async () => {
    const res = await fetch(`${base}/metrics`, { headers });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return parseProm(await res.text());
  };
  const post = (path: string, body?: unknown) => fetch(`${base}${path}`, {
    method: 'POST', headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined,
  });

  beforeAll(async () => {
    t = await testApp(engine, { databaseNow: dbClock.now });
    metrics = createMetrics(t.ctx);
    server = await createHttpServer(t.app, { token: TOKEN, metrics });
    ({ url: base } = await listen(server, { port: 0, token: TOKEN }));
  });
  afterAll(async () => {
    await server?.close();
  });
  beforeEach(() => truncateAll(engine.db));

  it('parses as Prometheus text and carries every digest metric', async () => {
    const s = await scrape();
    for (const status of ['pending', 'sending', 'sent', 'failed', 'dead', 'suppressed']) {
      expect(s.get(`digest_deliveries{type="Purchase.Requested",status="${status}"}`)).toBe(0);
    }
    expect(s.get(AGE('Order.Created'))).toBe(0);
    expect(s.has('process_resident_memory_bytes{}') || s.has('nodejs_heap_size_used_bytes{}')).toBe(true);
    // The parser rejects what is not the format.
    expect(() => parseProm('digest_x{type=unquoted} 1')).toThrow(/bad sample/);
  });

  it('the staleness gauge grows while events wait, drops to 0 after a run; the last-run gauge appears', async () => {
    const recordedBefore = (await scrape()).get('digest_events_recorded_total{type="Purchase.Requested"}') ?? 0;
    const res = await post('/v1/events', [1, 2, 3].map((i) => ({ type: 'Purchase.Requested', payload: request(i, i % 2) })));
    expect(res.status).toBe(201);

    const first = await scrape();
    expect(first.get('digest_events_recorded_total{type="Purchase.Requested"}')).toBe(recordedBefore + 3);
    const age1 = first.get(AGE('Purchase.Requested'))!;
    expect(age1).toBeGreaterThanOrEqual(0);
    expect(age1).toBeLessThan(5);
    expect(first.has(SINCE_RUN('Purchase.Requested'))).toBe(false);

    dbClock.advance(1_200); // the events wait 1.2 s longer, in database time
    const age2 = (await scrape()).get(AGE('Purchase.Requested'))!;
    expect(age2).toBeGreaterThanOrEqual(1);
    expect(age2).toBeGreaterThan(age1);

    // A row that has waited an hour (recorded and due an hour ago) dominates.
    const hourAgo = new Date(Date.now() - 3_600_000);
    await seedEvent(engine.db, { type: 'Purchase.Requested', recipient: 'S9', payload: request(9, 9), recordedAt: hourAgo, availableAt: hourAgo });
    const hour = (await scrape()).get(AGE('Purchase.Requested'))!;
    expect(hour).toBeGreaterThan(3_590);
    expect(hour).toBeLessThan(3_700);
    // A delayed event is not stale before it is due.
    await engine.db.run('DELETE FROM digest_events WHERE recipient = ?', ['S9']);
    await t.recorder.record('Purchase.Responded', { request_id: 'R1', customer_email: 'c@shop.example', supplier_name: 'Acme', status: 'accepted' },
      { occurredAt: new Date(Date.now() - 86_400_000), availableAt: new Date(Date.now() + 3_600_000) });
    expect((await scrape()).get(AGE('Purchase.Responded'))).toBe(0);

    expect((await post('/v1/schedules/Purchase.Requested/run')).status).toBe(200);
    const after = await scrape();
    expect(after.get(AGE('Purchase.Requested'))).toBe(0);
    const since = after.get(SINCE_RUN('Purchase.Requested'));
    expect(since).toBeGreaterThanOrEqual(0);
    expect(since).toBeLessThan(60);
    expect(after.get('digest_deliveries{type="Purchase.Requested",status="sent"}')).toBe(2); // S0 and S1
    expect(after.has(SINCE_RUN('Order.Created'))).toBe(false);
  });

  it('observeRun / observeSend feed the processed counter and the duration histograms; empty polls are not runs', async () => {
    metrics.observeRun('Order.Created', 'immediate', 0.3, { runId: 7, skipped: false, eventsClaimed: 4 });
    metrics.observeRun('Order.Created', 'immediate', 0.001, { runId: null, skipped: false, eventsClaimed: 0 });
    metrics.observeRun('Order.Created', 'tick', 0.001, { runId: null, skipped: true, eventsClaimed: 0 });
    metrics.observeSend('Order.Created', 'console', 0.02);
    const s = await scrape();
    expect(s.get('digest_events_processed_total{type="Order.Created"}')).toBe(4);
    expect(s.get('digest_run_duration_seconds_count{type="Order.Created",trigger="immediate"}')).toBe(1);
    expect(s.get('digest_run_duration_seconds_sum{type="Order.Created",trigger="immediate"}')).toBeCloseTo(0.3);
    expect(s.has('digest_run_duration_seconds_count{type="Order.Created",trigger="tick"}')).toBe(false);
    expect(s.get('digest_send_duration_seconds_count{type="Order.Created",transport="console"}')).toBe(1);
    expect(s.get('digest_send_duration_seconds_bucket{le="0.025",type="Order.Created",transport="console"}')).toBe(1);
  });

  it('as a lifecycle subscriber: finished runs, sends and transport changes feed the same series; unsubscribing stops it', async () => {
    const lifecycle = createLifecycle();
    const m = createMetrics(t.ctx);
    const off = m.subscribe(lifecycle);
    const counts = { eventsClaimed: 5, deliveriesCreated: 2, deliveriesSent: 2, deliveriesFailed: 0 };
    lifecycle.emit('run.finished', { type: 'Order.Created', trigger: 'tick', runId: 3, status: 'succeeded', ...counts, durationMs: 250 });
    lifecycle.emit('delivery.sent', { deliveryId: 1, type: 'Order.Created', attempt: 0, events: 1, transport: 'console', sendMs: 20 });
    lifecycle.emit('transport.down', { transport: 'console', code: 'ECONNREFUSED', err: 'connect ECONNREFUSED' });
    const s = parseProm(await m.registry.metrics());
    expect(s.get('digest_events_processed_total{type="Order.Created"}')).toBe(5);
    expect(s.get('digest_run_duration_seconds_sum{type="Order.Created",trigger="tick"}')).toBeCloseTo(0.25);
    expect(s.get('digest_send_duration_seconds_count{type="Order.Created",transport="console"}')).toBe(1);
    expect(s.get('digest_transport_up{transport="console"}')).toBe(0);
    lifecycle.emit('page.claimed', { type: 'Order.Created', runId: 3, events: 5, deliveries: 5 });
    lifecycle.emit('page.claimed', { type: 'Order.Created', runId: 3, events: 1, deliveries: 1 });
    lifecycle.emit('db.conflict', { scope: 'transaction', attempt: 1, code: 'ER_LOCK_DEADLOCK', retryInMs: 12 });
    const claims = parseProm(await m.registry.metrics());
    expect(claims.get('digest_claims_total{type="Order.Created"}')).toBe(2);
    expect(claims.get('digest_db_conflicts_total{code="ER_LOCK_DEADLOCK"}')).toBe(1);
    lifecycle.emit('transport.up', { transport: 'console', downMs: 10 });
    off();
    lifecycle.emit('transport.down', { transport: 'console', code: 'ECONNREFUSED', err: 'connect ECONNREFUSED' });
    expect(parseProm(await m.registry.metrics()).get('digest_transport_up{transport="console"}')).toBe(1);
  });

  it('a scrape while the database is down still answers, without stale database gauges', async () => {
    const down = new Error('connect ECONNREFUSED');
    const broken: Db = { ...engine.db, all: async () => { throw down; } };
    const m = createMetrics({ ...t.ctx, db: broken });
    m.countRecorded('Order.Created', 2);
    const s = parseProm(await m.registry.metrics());
    expect(s.get('digest_events_recorded_total{type="Order.Created"}')).toBe(2);
    expect([...s.keys()].filter((k) => k.startsWith('digest_deliveries{') || k.startsWith('digest_oldest_'))).toEqual([]);
  });
});
