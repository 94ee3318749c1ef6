// Backlog memory: SIZES.backlogEvents outstanding events across SIZES.backlogRecipients
// recipients, drained in one fresh process (so its RSS is the drain's alone)
// with the null transport; peak RSS sampled every 50 ms, every transaction timed.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SIZES, log, now, percentile } from './common.mjs';
import { rawMulti } from './floor.mjs';
import { drainApp, oursDrain } from './ours.mjs';

const SELF = fileURLToPath(import.meta.url);

/** Parent side: seed with raw multi-row INSERTs, then drain in a child process. */
export async function backlog(bench) {
  await bench.reset();
  log(`backlog: seeding ${SIZES.backlogEvents} events across ${SIZES.backlogRecipients} recipients`);
  const seed = await rawMulti(bench, SIZES.backlogEvents, SIZES.backlogRecipients);
  log(`backlog: seeded in ${(seed.ms / 1000).toFixed(1)} s; draining in a child process`);
  const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const child = spawn(process.execPath, [...prof, SELF, bench.url], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  const code = await new Promise((r) => child.on('exit', r));
  if (code !== 0) throw new Error(`backlog child exited ${code}`);
  return { seeded: SIZES.backlogEvents, recipients: SIZES.backlogRecipients, seedMs: seed.ms, ...JSON.parse(out) };
}

/** Child side: in-process drain, measuring RSS and transaction durations. */
async function child(url) {
  const app = await drainApp(url);
  const txMs = [];
  const db = app.ctx.db;
  const transaction = db.transaction.bind(db);
  db.transaction = async (fn) => {
    const t0 = now();
    try { return await transaction(fn); } finally { txMs.push(now() - t0); }
  };
  let peakRss = 0;
  let peakHeap = 0;
  const sample = () => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  };
  sample();
  const baselineRss = peakRss;
  const timer = setInterval(sample, 50);
  const r = await oursDrain({ url }, app);
  clearInterval(timer);
  sample();
  txMs.sort((a, b) => a - b);
  const mb = (b) => Math.round((b / 2 ** 20) * 10) / 10;
  process.stdout.write(JSON.stringify({
    ...r, baselineRssMb: mb(baselineRss), peakRssMb: mb(peakRss), peakHeapMb: mb(peakHeap),
    transactions: txMs.length, longestTxMs: Math.round(txMs[txMs.length - 1] ?? 0),
    p99TxMs: Math.round(percentile(txMs, 99) ?? 0), p50TxMs: Math.round((percentile(txMs, 50) ?? 0) * 10) / 10,
  }));
}

if (process.argv[1] === SELF) await child(process.argv[2]);
