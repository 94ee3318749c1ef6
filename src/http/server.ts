/**
 * The HTTP API served by `digest scheduler`: events in, schedules and the
 * outbox out (found by filters and search), the dashboard's activity
 * charts and recipient pages, recipient profiles, one-click unsubscribe links, the
 * suppression list and bounce reports, pull consumers' leases, health,
 * readiness, metrics and the OpenAPI document.
 *
 * createHttpServer builds it (nothing listens yet, so tests and embedders
 * can inject or pick a port); listen() binds it, to every interface only
 * when a token protects it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import type { App } from '../app.js';
import type { Logger } from '../log.js';
import { packageRoot } from '../paths.js';
import { installAuth } from './auth.js';
import { type Activity, createActivity } from './activity.js';
import { installErrorHandler } from './errors.js';
import type { Metrics } from './metrics.js';
import { registerDashboard } from './dashboard.js';
import { registerOpenApi } from './openapi.js';
import { activityRoutes } from './routes/activity.js';
import { deliveryRoutes } from './routes/deliveries.js';
import { eventRoutes } from './routes/events.js';
import { healthRoutes } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';
import { pullRoutes } from './routes/pull.js';
import { recipientRoutes } from './routes/recipients.js';
import { recipientActivityRoutes } from './routes/recipient-activity.js';
import { runRoutes } from './routes/runs.js';
import { scheduleRoutes } from './routes/schedules.js';
import { unsubscribeRoutes } from './routes/unsubscribe.js';
import { suppressionRoutes } from './routes/suppressions.js';
import { selectOutstandingStats } from '../store/read-model.js';

/** 1,000 events of typical size fit; a runaway client gets a 413 instead of our memory. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

export interface HttpServerOptions {
  /** DIGEST_API_TOKEN; unset means loopback clients only (and listen() binds loopback only). */
  token?: string;
  /** Require the token for /docs and /openapi.json too (they hold no data, so by default they are open). */
  protectDocs?: boolean;
  metrics: Metrics;
  /**
   * The charts' data (GET /v1/activity). Absent, the server keeps its own,
   * fed by the app's lifecycle events and sampling the backlog every minute
   * for as long as it is open.
   */
  activity?: Activity;
}

/** Each server's logger, for listen() (fastify's own logger is off: see below). */
const loggers = new WeakMap<FastifyInstance, Logger>();

const packageVersion = () => (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;

export async function createHttpServer(app: App, opts: HttpServerOptions): Promise<FastifyInstance> {
  const logger = app.ctx.logger.child({ component: 'http' });
  const server = Fastify({
    // Fastify's request logging would put URLs (recipients, addresses) in
    // info logs; we log lifecycle events and 5xx ourselves instead.
    logger: false,
    bodyLimit: BODY_LIMIT_BYTES,
    // Time allowed to receive a whole request: a slow client cannot hold a socket open forever.
    requestTimeout: 30_000,
    // Recipient keys are path parameters (/v1/recipients/:key): up to 191
    // characters, each up to 12 once URL-encoded (find-my-way's default is 100).
    routerOptions: { maxParamLength: 2_400 },
  });
  loggers.set(server, logger);
  installErrorHandler(server, logger);
  installAuth(server, opts.token, { protectDocs: opts.protectDocs, unsubscribe: app.ctx.config.unsubscribe !== undefined });
  await registerOpenApi(server, packageVersion());
  healthRoutes(server, app);
  eventRoutes(server, app, opts.metrics);
  scheduleRoutes(server, app);
  deliveryRoutes(server, app);
  recipientRoutes(server, app);
  unsubscribeRoutes(server, app);
  suppressionRoutes(server, app);
  pullRoutes(server, app);
  activityRoutes(server, opts.activity ?? ownActivity(server, app, logger));
  recipientActivityRoutes(server, app);
  runRoutes(server, app);
  metricsRoutes(server, opts.metrics);
  registerDashboard(server);
  await server.ready();
  return server;
}

/** The server's own activity ring, subscribed and sampling until the server closes. */
function ownActivity(server: FastifyInstance, app: App, logger: Logger): Activity {
  const activity = createActivity({
    outstanding: () => selectOutstandingStats(app.ctx.db, app.ctx.databaseNow?.()),
    types: () => Object.keys(app.ctx.config.events),
    onSampleError: (err) => logger.warn({ evt: 'activity.sample_failed', err: err instanceof Error ? err.message : String(err) }),
  });
  const unsubscribe = activity.subscribe(app.ctx.lifecycle);
  const stopSampling = activity.startSampling();
  server.addHook('onClose', async () => {
    unsubscribe();
    stopSampling();
  });
  return activity;
}

export interface ListenOptions {
  port: number;
  token?: string;
}

/**
 * Binds 0.0.0.0 only when a token is configured; without one the API is
 * reachable from this host alone (127.0.0.1). Returns where it listens
 * (the real port when `port` is 0).
 */
export async function listen(server: FastifyInstance, opts: ListenOptions): Promise<{ host: string; port: number; url: string }> {
  const logger = loggers.get(server);
  const auth = Boolean(opts.token);
  const host = auth ? '0.0.0.0' : '127.0.0.1';
  if (!auth) {
    logger?.warn({ evt: 'http.loopback_only', host }, 'DIGEST_API_TOKEN is not set: the HTTP API binds to 127.0.0.1 only');
  }
  await server.listen({ host, port: opts.port });
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  logger?.info({ evt: 'http.listening', host, port, auth });
  return { host, port, url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}` };
}
