import { readFileSync } from 'node:fs';
import { createApp, type AppOptions } from '../../src/app.js';
import { parseSchedules } from '../../src/config/schedules.js';
import type { DigestConfig } from '../../src/config/types.js';
import { silentLogger } from '../../src/log.js';
import type { TestEngine } from './engines.js';
import { MemoryTransport } from './memory-transport.js';

/** The shipped config/schedules.yaml, parsed. */
export const shippedConfig = (): DigestConfig => parseSchedules(readFileSync('config/schedules.yaml', 'utf8'), process.env);

/** An app on the engine's database, with every configured transport captured in memory. */
export function testApp(engine: TestEngine, opts: AppOptions = {}) {
  const config = (opts.config as DigestConfig | undefined) ?? shippedConfig();
  const transport = new MemoryTransport();
  const transports = Object.fromEntries(Object.keys(config.transports).map((n) => [n, transport]));
  const app = createApp({ logger: silentLogger, ...opts, config, db: engine.db, transports: { ...transports, ...opts.transports } });
  return { app, ctx: app.ctx, transport, recorder: app.recorder };
}
