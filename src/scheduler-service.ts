/**
 * The scheduler as a service: what `digest scheduler` runs, and what an app
 * embeds to run the scheduler inside its own process with its own handlers
 * (`createScheduler({ handlers })`). Owns the process-level lifecycle: the
 * HTTP API beside the loops, and the shutdown order (stop claiming at once,
 * give in-flight sends a grace period, hand back what was not started).
 * Signals and exit codes stay with the caller (src/cli.ts for the CLI).
 */
import type { FastifyInstance } from 'fastify';
import { createApp, type App, type AppOptions } from './app.js';
import type { Clock } from './clock.js';
import { createMetrics } from './http/metrics.js';
import { createHttpServer, listen } from './http/server.js';
import type { LifecycleSubscriptions } from './lifecycle.js';
import type { Recorder } from './record.js';
import { startScheduler, type Scheduler } from './scheduler/scheduler.js';
import { wakingRecorder } from './scheduler/waking-recorder.js';

export interface SchedulerServiceOptions extends AppOptions {
  /**
   * Serve the HTTP API, dashboard and /metrics beside the loops. `port` 0
   * picks a free one; without `token` it binds to 127.0.0.1 only.
   * `/docs` and `/openapi.json` hold no data and are open unless `protectDocs`
   * (DIGEST_PROTECT_DOCS=1).
   * Default: off (the CLI turns it on with DIGEST_HTTP_PORT / DIGEST_API_TOKEN).
   */
  http?: { port: number; token?: string; protectDocs?: boolean };
  /** Idle poll interval of immediate types (default DIGEST_POLL_MS, 50 ms). */
  pollMs?: number;
  /** How long stop() lets in-flight sends finish (default DIGEST_SHUTDOWN_GRACE_SECONDS, 10 s). */
  shutdownGraceMs?: number;
  clock?: Clock;
}

export interface DigestScheduler extends Recorder {
  /** Starts the HTTP server (if configured) and every loop; resolves once work has started. */
  start(): Promise<{ url?: string }>;
  /**
   * Stops claiming at once and waits for in-flight sends up to the grace
   * period; then closes everything. Resolves true when they finished in
   * time, false when the grace period ran out (their leases hand them to
   * another scheduler). Safe to call more than once.
   */
  stop(): Promise<boolean>;
  /** Resolves when the scheduler has stopped. */
  readonly done: Promise<void>;
  /** The composed app (runner context, config, registry): for run-now and inspection. */
  readonly app: App;
  /** What happens, as it happens: `on('delivery.dead', fn)`, `on('*', fn)` (the events the log lines are written from). */
  readonly lifecycle: LifecycleSubscriptions;
}

/** Loads and checks the whole setup (a ConfigError lists every problem) and opens the database; starts nothing. */
export async function createScheduler(opts: SchedulerServiceOptions = {}): Promise<DigestScheduler> {
  const base = await createApp(opts);
  let scheduler: Scheduler | undefined;
  // What this process records (POST /v1/events, record(), recordMany())
  // wakes its own immediate loop once committed; before start() there is no
  // loop to wake, and the first pass finds the events anyway.
  const app: App = { ...base, recorder: wakingRecorder(base.recorder, (type) => scheduler?.wake(type)) };
  const graceMs = opts.shutdownGraceMs ?? app.env.shutdownGraceMs;
  let http: FastifyInstance | undefined;
  let starting: Promise<{ url?: string }> | undefined;
  let stopping: Promise<boolean> | undefined;
  let markDone!: () => void;
  const done = new Promise<void>((resolve) => { markDone = resolve; });

  async function shutdown(): Promise<boolean> {
    app.ctx.lifecycle.emit('scheduler.stopping', { graceMs });
    // A stop that arrives while start() is still binding or registering waits for it, so nothing starts after a stop.
    await starting?.catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<false>((resolve) => { timer = setTimeout(() => resolve(false), graceMs); });
    const finished = await Promise.race([scheduler ? scheduler.stop().then(() => true as const) : Promise.resolve(true as const), graceOver]);
    clearTimeout(timer);
    if (!finished) app.ctx.lifecycle.emit('scheduler.grace_expired', { graceMs });
    await http?.close();
    await app.close();
    markDone();
    return finished;
  }

  async function begin(): Promise<{ url?: string }> {
    let url: string | undefined;
    if (opts.http) {
      const metrics = createMetrics(app.ctx);
      // A subscriber for as long as the app lives: runs and sends feed the histograms, circuits the transport gauge.
      metrics.subscribe(app.ctx.lifecycle);
      // Started first: a port in use stops us before any work is claimed.
      http = await createHttpServer(app, { token: opts.http.token, protectDocs: opts.http.protectDocs, metrics });
      url = (await listen(http, opts.http)).url;
    }
    scheduler = await startScheduler(app.ctx, { pollMs: opts.pollMs ?? app.env.pollMs, clock: opts.clock });
    // Loops that end on their own (never in normal operation) still close the service.
    void scheduler.done.then(() => { stopping ??= shutdown(); });
    return { url };
  }

  return {
    record: app.recorder.record,
    recordMany: app.recorder.recordMany,
    app,
    lifecycle: { on: app.ctx.lifecycle.on },
    done,
    start() {
      if (stopping) return Promise.reject(new Error('the scheduler was stopped; create a new one'));
      return (starting ??= begin());
    },
    stop: () => (stopping ??= shutdown()),
  };
}
