import { hostname } from 'node:os';
import { type Clock, systemClock } from '../clock.js';
import type { RunnerContext } from '../runner/context.js';
import { assertMigrated } from '../store/open.js';
import { deleteWorker, insertWorker, touchWorker } from '../store/workers.js';
import { immediateLoop } from './immediate-loop.js';
import { pruneLoop } from './prune-loop.js';
import { recoveryLoop } from './recovery-loop.js';
import { tickLoop } from './tick-loop.js';
import { windowLoop } from './window-loop.js';
import { Wakeup } from './wakeup.js';
import { WorkerLanes } from './worker-lanes.js';

export interface SchedulerOptions {
  clock?: Clock;
  /** Idle poll interval of immediate types (ms). */
  pollMs?: number;
  /** Poll interval for due retries, expired leases and held events come due (ms). */
  recoveryPollMs?: number;
  heartbeatMs?: number;
  /** How often old rows are pruned (default hourly). */
  pruneEveryMs?: number;
}

export interface Scheduler {
  /** Stops claiming at once; resolves when in-flight deliveries are done. */
  stop(): Promise<void>;
  /** Resolves when every loop has ended. */
  done: Promise<void>;
  /**
   * This process has just committed events of `type`: its immediate loop
   * polls now rather than after its idle sleep. A no-op for other cadences
   * and unknown types (ticks run on their slots whatever arrives).
   */
  wake(type: string): void;
}

export async function startScheduler(ctx: RunnerContext, opts: SchedulerOptions = {}): Promise<Scheduler> {
  const clock = opts.clock ?? systemClock;
  await assertMigrated(ctx.db);
  await insertWorker(ctx.db, { id: ctx.owner, host: hostname(), pid: process.pid }, ctx.databaseNow?.());
  const heartbeatMs = opts.heartbeatMs ?? 10_000;
  // A peer is live while its heartbeat is under three beats old.
  const lanes = new WorkerLanes(ctx, 3 * heartbeatMs);
  await lanes.refresh().catch(() => undefined);
  const controller = new AbortController();
  const { signal } = controller;
  const loops: Promise<unknown>[] = [];
  const wakeups = new Map<string, Wakeup>();
  for (const ev of Object.values(ctx.config.events)) {
    if (ev.cadence.kind === 'immediate') {
      const wakeup = new Wakeup();
      wakeups.set(ev.type, wakeup);
      loops.push(immediateLoop(ctx, ev.type, clock, opts.pollMs ?? 50, signal, wakeup, lanes));
    } else {
      loops.push(tickLoop(ctx, ev.type, ev.cadence, clock, signal));
    }
  }
  loops.push(recoveryLoop(ctx, clock, opts.recoveryPollMs ?? 1_000, signal));
  loops.push(windowLoop(ctx, clock, opts.recoveryPollMs ?? 1_000, signal));
  loops.push(pruneLoop(ctx, clock, signal, opts.pruneEveryMs));
  // Heartbeat on real time: it tells other processes this one is alive.
  const heartbeat = setInterval(() => {
    touchWorker(ctx.db, ctx.owner, ctx.databaseNow?.()).then(() => lanes.refresh()).catch(() => undefined);
  }, heartbeatMs);
  heartbeat.unref();
  ctx.lifecycle.emit('scheduler.started', { owner: ctx.owner, types: Object.keys(ctx.config.events) });

  const done = Promise.allSettled(loops).then(async () => {
    clearInterval(heartbeat);
    await deleteWorker(ctx.db, ctx.owner).catch(() => undefined);
    ctx.lifecycle.emit('scheduler.stopped', { owner: ctx.owner });
  });
  return {
    done,
    wake: (type) => wakeups.get(type)?.wake(),
    async stop() {
      controller.abort();
      await done;
    },
  };
}
