/**
 * Composition root: config + store + handlers + renderer + transports, wired
 * once. Everything that can be wrong with the setup is found here, before any
 * work starts, and reported together.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Env } from './config/env.js';
import { createLifecycle } from './lifecycle.js';
import { logLifecycle } from './lifecycle-log.js';
import { createLogger, type Logger } from './log.js';
import { createRecorder } from './record.js';
import { createRecipientBook, type RecipientBook } from './recipients/book.js';
import { createSuppressionList, type SuppressionList } from './recipients/suppression-list.js';
import type { RunnerContext } from './runner/context.js';
import { messageIdDomainFor } from './runner/message-id.js';
import { loadSetup, type SetupOptions } from './setup.js';
import type { Db } from './store/db.js';
import { openDb } from './store/open.js';
import { createTransport } from './transports/create.js';
import type { Transport } from './transports/transport.js';

export interface AppOptions extends SetupOptions {
  databaseUrl?: string;
  /** Replace configured transports by name (tests, embedding). */
  transports?: Record<string, Transport>;
  logger?: Logger;
  retryBaseMs?: number;
  /** Pause after a transport goes down (default 1 s doubling to 60 s); tests shorten it. */
  transportPause?: RunnerContext['transportPause'];
  db?: Db;
  /** false: a missing SQLite file is an error, not created (commands that only read). */
  createDatabase?: boolean;
  /** Test seam: the store's "now" (RunnerContext.databaseNow); absent, the database clock. */
  databaseNow?: RunnerContext['databaseNow'];
}

export interface App {
  ctx: RunnerContext;
  recorder: ReturnType<typeof createRecorder>;
  recipients: RecipientBook;
  suppressions: SuppressionList;
  env: Env;
  close(): Promise<void>;
}

export async function createApp(opts: AppOptions = {}): Promise<App> {
  const { env, config, registry, renderer } = await loadSetup(opts);
  const transports = new Map<string, Transport>();
  for (const [name, t] of Object.entries(config.transports)) transports.set(name, opts.transports?.[name] ?? createTransport(t));
  const databaseUrl = opts.databaseUrl ?? env.databaseUrl;
  const db = opts.db ?? openDb(databaseUrl, { create: opts.createDatabase });
  const logger = opts.logger ?? createLogger(env.logLevel);
  const lifecycle = createLifecycle({
    onSubscriberError(err, name) {
      logger.error({ evt: 'lifecycle.subscriber_failed', event: name, err: err instanceof Error ? err.message : String(err) });
    },
  });
  // The log is the first subscriber: every lifecycle event is a documented log line.
  logLifecycle(lifecycle, logger);
  // Retried conflicts are contention, reported at debug level only.
  const unwatchConflicts = db.onConflict((c) => lifecycle.emit('db.conflict', c));
  const ctx: RunnerContext = {
    db, config, registry, renderer, transports, logger, lifecycle,
    owner: `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
    messageIdDomain: messageIdDomainFor(config, databaseUrl ?? 'sqlite:./data/digest.db'),
    leaseMs: opts.leaseMs ?? env.leaseMs,
    retryBaseMs: opts.retryBaseMs,
    transportPause: opts.transportPause,
    databaseNow: opts.databaseNow,
  };
  return {
    ctx,
    env,
    recorder: createRecorder(db, registry, undefined, (type) => config.events[type]?.urgent),
    recipients: createRecipientBook(db, registry, opts.databaseNow),
    suppressions: createSuppressionList(db, opts.databaseNow),
    async close() {
      unwatchConflicts();
      for (const t of transports.values()) await t.close?.().catch(() => undefined);
      if (!opts.db) await db.close();
    },
  };
}

