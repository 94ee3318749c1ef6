import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { AppOptions } from '../../src/app.js';
import { createMetrics } from '../../src/http/metrics.js';
import { createHttpServer, listen } from '../../src/http/server.js';
import { testApp } from './app.js';
import { type TestEngine, truncateAll } from './engines.js';

export interface ApiHarness {
  t: Awaited<ReturnType<typeof testApp>>;
  server: FastifyInstance;
  /** http://127.0.0.1:<port> */
  base: string;
}

/**
 * For one describeEngines block: a test app behind the HTTP API (metrics
 * subscribed, `token` required) on a free port, started before its tests and
 * closed after; before each test an empty database and a fresh memory transport.
 * `opts` is read when the app starts (the engine's database exists by then).
 */
export function apiHarness(engine: TestEngine, token: string, opts: () => AppOptions = () => ({})): ApiHarness {
  const h = {} as ApiHarness;
  beforeAll(async () => {
    h.t = await testApp(engine, opts());
    const metrics = createMetrics(h.t.ctx);
    metrics.subscribe(h.t.ctx.lifecycle);
    h.server = await createHttpServer(h.t.app, { token, metrics });
    h.base = (await listen(h.server, { port: 0, token })).url;
  });
  afterAll(async () => {
    await h.server?.close();
    await h.t?.app.close();
  });
  beforeEach(async () => {
    await truncateAll(engine.db);
    h.t.transport.sent.length = 0;
    h.t.transport.failFor.clear();
  });
  return h;
}
