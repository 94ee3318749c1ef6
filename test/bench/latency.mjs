// Immediate latency: Order.Created recorded here at a steady rate while a real
// `digest scheduler` child process delivers them to a webhook served here.
// Then the same rate POSTed to the scheduler's own HTTP API (/v1/events),
// which wakes its immediate loop in-process: reported on its own row.
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDigest } from '../../dist/src/digest.js';
import { silentLogger } from '../../dist/src/log.js';
import { SIZES, log, now, percentile } from './common.mjs';
import { TEMPLATES, handlers } from './ours.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The scheduler is the real CLI: `bin/digest.js scheduler --config <yaml>`. */
export async function latency(bench, { rate = SIZES.latencyRate, seconds = SIZES.latencySeconds } = {}) {
  // order_id → commit time (record() resolved), and → time the webhook got it.
  const committed = new Map();
  const answeredMs = []; // POST round trips (API phases): the part of the latency before the event is even committed
  const received = new Map();
  const everReceived = new Set(); // across both phases, for duplicates
  let duplicates = 0;
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const t = now();
      const id = Number(/order #(\d+)/.exec(JSON.parse(Buffer.concat(chunks).toString()).text ?? '')?.[1]);
      if (everReceived.has(id)) duplicates++;
      else {
        everReceived.add(id);
        received.set(id, t);
      }
      res.end('ok');
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  // A free port for the scheduler's own HTTP API (picked here so we need not parse its log).
  const apiPort = await new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => { const { port } = probe.address(); probe.close(() => resolve(port)); });
  });
  const apiToken = randomBytes(16).toString('hex');
  const dir = mkdtempSync(join(tmpdir(), 'digest-bench-latency-'));
  const config = join(dir, 'schedules.yaml');
  writeFileSync(config, `timezone: UTC
handlers: [${JSON.stringify(join(ROOT, 'dist/examples/shop/handlers.js'))}]
transports:
  hook: { kind: webhook, url: "http://127.0.0.1:${server.address().port}/", timeoutMs: 10000 }
events:
  Order.Created: { cadence: immediate, transport: hook }
`);
  const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const argv = [join(ROOT, 'bin/digest.js'), 'scheduler', '--config', config];
  // The scheduler logs a line per delivery: to a file, as a container's log
  // driver would take them, so a busy bench process never back-pressures it.
  const logPath = join(dir, 'scheduler.log');
  const logFd = openSync(logPath, 'w');
  const child = spawn(process.execPath, [...prof, ...argv], {
    cwd: ROOT, stdio: ['ignore', 'ignore', logFd],
    env: {
      ...process.env, DATABASE_URL: bench.url, DIGEST_TEMPLATES: TEMPLATES, LOG_LEVEL: 'info',
      DIGEST_HTTP_PORT: String(apiPort), DIGEST_API_TOKEN: apiToken,
    },
  });
  closeSync(logFd);
  let exitedWith = null;
  const exited = new Promise((r) => child.on('exit', (code, sig) => { exitedWith = { code, sig }; r(exitedWith); }));
  const logTail = () => readFileSync(logPath, 'utf8').slice(-4000);
  while (!logTail().includes('"scheduler.started"')) {
    if (exitedWith) throw new Error(`scheduler exited ${JSON.stringify(exitedWith)}: ${logTail()}`);
    await sleep(20);
  }

  const client = createDigest({ databaseUrl: bench.url, handlers, logger: silentLogger });
  const payload = (id) => ({ email_address: `buyer-${id % 997}@shop.example`, order_id: id });
  // Latency from the commit: record() from here has resolved (the scheduler only polls for these).
  const record = (id) => client.record('Order.Created', payload(id)).then(() => committed.set(id, now()));
  // Latency from the moment the POST is sent to the scheduler's own API (so it includes the
  // request, validation and the insert), to the moment the webhook has the delivery's body.
  const apiUrl = `http://127.0.0.1:${apiPort}/v1/events`;
  const apiHeaders = { authorization: `Bearer ${apiToken}`, 'content-type': 'application/json' };
  const post = (id) => {
    const t = now();
    return fetch(apiUrl, { method: 'POST', headers: apiHeaders, body: JSON.stringify({ type: 'Order.Created', payload: payload(id) }) })
      .then(async (res) => {
        await res.arrayBuffer();
        if (res.status !== 201) throw new Error(`POST /v1/events: ${res.status}`);
        committed.set(id, t);
        answeredMs.push(now() - t);
      });
  };
  // Records at `rate` for `secs` seconds (order ids continue across calls), waits for the
  // scheduler to deliver them all, and returns the latency figures.
  let nextId = 1;
  const phase = async (secs, recordOne = record, perSec = rate) => {
    committed.clear();
    answeredMs.length = 0;
    received.clear();
    let sent = 0;
    let errors = 0;
    const inflight = new Set();
    const t0 = now();
    while (now() - t0 < secs * 1000) {
      const due = Math.floor(((now() - t0) / 1000) * perSec);
      while (sent < due) {
        sent++;
        const p = recordOne(nextId++).catch(() => { errors++; });
        inflight.add(p);
        p.finally(() => inflight.delete(p));
      }
      await sleep(2);
    }
    const recordMs = now() - t0;
    await Promise.all(inflight);
    // Let the scheduler catch up (it may be behind): stop waiting after 30 s without progress.
    let lastSize = -1;
    let lastProgress = now();
    while (received.size < committed.size && now() - lastProgress < 30_000) {
      if (received.size !== lastSize) { lastSize = received.size; lastProgress = now(); }
      await sleep(50);
    }
    const drainedMs = now() - t0;
    const lat = [...committed].filter(([id]) => received.has(id)).map(([id, t]) => received.get(id) - t).sort((a, b) => a - b);
    // Diagnostic (results.json only): the worst latency of events committed in each second, to tell stalls from steady queueing.
    const worstBySecond = [];
    for (const [id, t] of committed) {
      if (!received.has(id)) continue;
      const k = Math.floor((t - t0) / 1000);
      worstBySecond[k] = Math.max(worstBySecond[k] ?? 0, Math.round(received.get(id) - t));
    }
    const r3 = (x) => (x == null ? null : Math.round(x * 10) / 10);
    return {
      seconds: secs, rate: perSec, recorded: committed.size, recordErrors: errors, recordedPerSec: committed.size / (recordMs / 1000),
      received: lat.length, missing: committed.size - lat.length,
      deliveredPerSec: lat.length / (drainedMs / 1000), catchUpMs: Math.round(drainedMs - recordMs),
      ...(answeredMs.length ? { postP50: r3(percentile(answeredMs.sort((a, b) => a - b), 50)) } : {}),
      p50: r3(percentile(lat, 50)), p95: r3(percentile(lat, 95)), p99: r3(percentile(lat, 99)), max: r3(lat[lat.length - 1]),
      worstBySecond,
    };
  };

  // Cold start, reported on its own: V8 has not yet optimised the scheduler's
  // hot path, so for its first seconds it delivers below 500/s and a queue
  // builds. The measured phase is the steady state that follows.
  log(`latency: warm-up, ${rate}/s for ${SIZES.latencyWarmupSeconds}s (reported separately)`);
  const warmup = await phase(SIZES.latencyWarmupSeconds);
  log(`latency: recording ${rate}/s for ${seconds}s`);
  const steady = await phase(seconds);
  // Events POSTed to the scheduler's own API wake its loop in-process: at the
  // same rate (the loop is seldom idle then), and at a tenth of it, where a
  // polling loop would add up to a poll interval (50 ms) to each event.
  const apiSeconds = Math.max(3, Math.round(seconds / 2));
  log(`latency: POSTing ${rate}/s to the scheduler's own /v1/events for ${apiSeconds}s`);
  const api = await phase(apiSeconds, post);
  log(`latency: POSTing ${rate / 10}/s to the scheduler's own /v1/events for ${apiSeconds}s`);
  const apiSparse = await phase(apiSeconds, post, rate / 10);

  child.kill('SIGTERM');
  const exit = await exited;
  await client.close();
  server.close();
  if (process.env.BENCH_KEEP_LOG) writeFileSync(process.env.BENCH_KEEP_LOG, readFileSync(logPath));
  rmSync(dir, { recursive: true, force: true });
  return { targetRate: rate, ...steady, duplicates, warmup, api, apiSparse, schedulerExit: exit };
}
