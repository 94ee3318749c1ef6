/**
 * Composition root: config + store + handlers + renderer + transports, wired
 * once. Everything that can be wrong with the setup is found here, before any
 * work starts, and reported together.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import { crossCheck } from './config/cross-check.js';
import { readEnv, type Env } from './config/env.js';
import { loadSchedules } from './config/schedules.js';
import type { DigestConfig } from './config/types.js';
import { ConfigError } from './errors.js';
import type { Handler } from './handlers/define.js';
import { handlers as shippedHandlers } from './handlers/index.js';
import { createRegistry } from './handlers/registry.js';
import { createLogger, type Logger } from './log.js';
import { createRecorder } from './record.js';
import { loadTemplates } from './render/renderer.js';
import type { RunnerContext } from './runner/context.js';
import type { Db } from './store/db.js';
import { openDb } from './store/open.js';
import { createTransport } from './transports/create.js';
import type { Transport } from './transports/transport.js';

export interface AppOptions {
  env?: Env;
  databaseUrl?: string;
  /** A parsed config, or a path to a schedules file. */
  config?: DigestConfig | string;
  handlers?: readonly Handler[];
  templatesDir?: string;
  /** Replace configured transports by name (tests, embedding). */
  transports?: Record<string, Transport>;
  logger?: Logger;
  leaseMs?: number;
  retryBaseMs?: number;
  db?: Db;
}

export interface App {
  ctx: RunnerContext;
  recorder: ReturnType<typeof createRecorder>;
  env: Env;
  close(): Promise<void>;
}

const abs = (p: string) => (isAbsolute(p) ? p : resolve(process.cwd(), p));

/** Loads config, handlers and templates and checks them against each other; opens nothing. */
export function loadSetup(opts: AppOptions = {}) {
  const env = opts.env ?? readEnv();
  const config = typeof opts.config === 'object' ? opts.config : loadSchedules(abs(opts.config ?? env.configPath), env.vars);
  const registry = createRegistry(opts.handlers ?? shippedHandlers);
  const renderer = loadTemplates(abs(opts.templatesDir ?? env.templatesDir));
  const issues = crossCheck(config, (t) => registry.get(t), (n) => renderer.has(n));
  if (issues.length) throw new ConfigError(issues);
  return { env, config, registry, renderer };
}

export function createApp(opts: AppOptions = {}): App {
  const { env, config, registry, renderer } = loadSetup(opts);
  const transports = new Map<string, Transport>();
  for (const [name, t] of Object.entries(config.transports)) transports.set(name, opts.transports?.[name] ?? createTransport(t));
  const databaseUrl = opts.databaseUrl ?? env.databaseUrl;
  const db = opts.db ?? openDb(databaseUrl);
  const logger = opts.logger ?? createLogger(env.logLevel);
  const ctx: RunnerContext = {
    db, config, registry, renderer, transports, logger,
    owner: `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
    leaseMs: opts.leaseMs ?? env.leaseMs,
    retryBaseMs: opts.retryBaseMs,
  };
  return {
    ctx,
    env,
    recorder: createRecorder(db, registry),
    async close() {
      for (const t of transports.values()) await t.close?.().catch(() => undefined);
      if (!opts.db) await db.close();
    },
  };
}

