/**
 * The library client: what application code holds. Recording needs only the
 * database and the handlers; the scheduler's config, templates and transports
 * are loaded on the first runNow, so an app that only records needs no
 * schedules file.
 */
import { createApp, type App, type AppOptions } from './app.js';
import { readEnv } from './config/env.js';
import { handlers as shippedHandlers } from './handlers/index.js';
import { createRegistry } from './handlers/registry.js';
import { createRecorder, type Recorder } from './record.js';
import { runNow, type RunNowOptions, type RunNowResult } from './runner/run-now.js';
import { openDb } from './store/open.js';

export interface DigestOptions extends Pick<AppOptions, 'config' | 'handlers' | 'templatesDir' | 'transports' | 'logger'> {
  databaseUrl?: string;
  maxPayloadBytes?: number;
}

export interface Digest extends Recorder {
  runNow(type?: string, opts?: Omit<RunNowOptions, 'type'>): Promise<RunNowResult[]>;
  close(): Promise<void>;
}

export function createDigest(opts: DigestOptions = {}): Digest {
  const env = readEnv();
  const db = openDb(opts.databaseUrl ?? env.databaseUrl);
  const recorder = createRecorder(db, createRegistry(opts.handlers ?? shippedHandlers), opts.maxPayloadBytes);
  let app: App | undefined;
  return {
    record: recorder.record,
    recordMany: recorder.recordMany,
    async runNow(type, o = {}) {
      app ??= createApp({ ...opts, env, db });
      return runNow(app.ctx, { ...o, type });
    },
    async close() {
      await app?.close();
      await db.close();
    },
  };
}

let defaultClient: Digest | undefined;
const client = () => (defaultClient ??= createDigest());

/** record() on a default client from DATABASE_URL. */
export const record: Recorder['record'] = (type, payload, opts) => client().record(type, payload, opts);
export const recordMany: Recorder['recordMany'] = (events, opts) => client().recordMany(events, opts);
/** Closes the default client (lets a script exit). */
export async function closeDefaultClient(): Promise<void> {
  await defaultClient?.close();
  defaultClient = undefined;
}
