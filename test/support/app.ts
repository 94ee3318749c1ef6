import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createApp, type AppOptions } from '../../src/app.js';
import { parseSchedules } from '../../src/config/schedules.js';
import type { DigestConfig } from '../../src/config/types.js';
import { silentLogger } from '../../src/log.js';
import { handlers as shopHandlers } from '../../examples/shop/handlers.js';
import type { TestEngine } from './engines.js';
import { MemoryTransport } from './memory-transport.js';

/** The shipped config/schedules.yaml, parsed (its paths relative to config/). */
export const shippedConfig = (): DigestConfig => parseSchedules(readFileSync('config/schedules.yaml', 'utf8'), process.env, resolve('config'));

/**
 * An app on the engine's database, with every configured transport captured
 * in memory. The shop handlers come from their source (not the built module
 * the shipped config names), unless the test passes its own.
 */
export async function testApp(engine: TestEngine, opts: AppOptions = {}) {
  const config = (opts.config as DigestConfig | undefined) ?? shippedConfig();
  const transport = new MemoryTransport();
  const transports = Object.fromEntries(Object.keys(config.transports).map((n) => [n, transport]));
  const templatesDir = config.templates ? undefined : resolve('examples/shop/templates');
  const app = await createApp({ logger: silentLogger, handlers: shopHandlers, templatesDir, ...opts, config, db: engine.db, transports: { ...transports, ...opts.transports } });
  return { app, ctx: app.ctx, transport, recorder: app.recorder };
}
