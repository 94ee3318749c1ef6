// Diagnostic child for exp-latency.mjs: an immediate-type scheduler loop like
// src/scheduler/immediate-loop.ts, with the idle poll (EXP_POLL_MS, shipped: 200)
// and the per-page delivery concurrency (EXP_K, shipped: 1) as knobs.
//   node test/bench/exp-scheduler.mjs <schedules.yaml>
import { createApp } from '../../dist/src/app.js';
import { runType } from '../../dist/src/runner/run.js';
import { runConcurrent } from './exp-deliver.mjs';

const pollMs = Number(process.env.EXP_POLL_MS ?? 200);
const k = Number(process.env.EXP_K ?? 1);
const app = createApp({ config: process.argv[2] });
const type = 'Order.Created';
let stop = false;
process.on('SIGTERM', () => { stop = true; });
app.ctx.logger.info({ evt: 'scheduler.started', pollMs, k });
while (!stop) {
  const claimed = k === 1
    ? (await runType(app.ctx, { type, trigger: 'immediate' })).eventsClaimed
    : (await runConcurrent(app.ctx, type, k, 'immediate')).claimed;
  if (claimed === 0) await new Promise((r) => setTimeout(r, pollMs));
}
await app.close();
