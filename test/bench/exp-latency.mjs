// Diagnostic: immediate latency with the proposed fixes applied outside src/
// (idle poll interval, per-page delivery concurrency), same load as the bench.
//   node test/bench/exp-latency.mjs [poll:K ...]   e.g. 200:1 25:1 25:8
import { fileURLToPath } from 'node:url';
import { createBenchDb, log } from './common.mjs';
import { latency } from './latency.mjs';

const child = fileURLToPath(new URL('./exp-scheduler.mjs', import.meta.url));
const variants = process.argv.slice(2).length ? process.argv.slice(2) : ['200:1', '25:1', '25:8'];
const bench = await createBenchDb(process.env.DATABASE_URL);
try {
  for (const v of variants) {
    const [poll, k] = v.split(':');
    await bench.reset();
    log(`latency with poll ${poll} ms, K=${k}`);
    const l = await latency(bench, { scheduler: [child], env: { EXP_POLL_MS: poll, EXP_K: k } });
    console.log(`${bench.engine} poll=${poll}ms K=${k}: p50 ${l.p50} ms, p95 ${l.p95} ms, p99 ${l.p99} ms, max ${l.max} ms; `
      + `${l.received}/${l.recorded} delivered at ${Math.round(l.deliveredPerSec)}/s (catch-up ${l.catchUpMs} ms)`);
  }
} finally {
  await bench.drop();
}
