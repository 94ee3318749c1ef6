/**
 * The library client: what application code holds. Recording needs only the
 * database and the handlers: given in code (`createDigest({ handlers })`,
 * which also types record()), no schedules file is read. Without them the
 * handlers come from the schedules file (its modules and declared types), as
 * the scheduler loads them. Config, templates and transports are loaded on
 * the first runNow.
 */
import { createApp, type App, type AppOptions } from './app.js';
import { loadRecording } from './setup.js';
import { readEnv } from './config/env.js';
import type { Handler } from './handlers/define.js';
import { createRegistry, type Registry } from './handlers/registry.js';
import type { DigestConfig } from './config/types.js';
import { createRecorder, type EventInput, type RecordOptions, type Recorder } from './record.js';
import { createRecipientBook, type RecipientBook } from './recipients/book.js';
import { createSuppressionList, type SuppressionList } from './recipients/suppression-list.js';
import { cancelEvent, type CancelOptions, type CancelResult, type CancelTarget } from './runner/cancel.js';
import { runNow, type RunNowOptions, type RunNowResult } from './runner/run-now.js';
import { openDb } from './store/open.js';

type AnyHandler = Handler<any, string, any>;

export interface DigestOptions<H extends readonly AnyHandler[] = readonly AnyHandler[]>
  extends Pick<AppOptions, 'config' | 'templatesDir' | 'transports' | 'logger'> {
  databaseUrl?: string;
  maxPayloadBytes?: number;
  /** The event types this client records (and runs); their zod schemas type record(). */
  handlers?: H;
}

/** The type names of a handler list. */
export type EventTypeOf<H extends readonly AnyHandler[]> = H[number]['type'];
/** What record() accepts for type K: the input type of its handler's schema. */
export type PayloadOf<H extends readonly AnyHandler[], K extends string> =
  Extract<H[number], { type: K }> extends Handler<any, any, infer I> ? I : never;

/** record()/recordMany() checked against the handlers' payload types. */
export interface TypedRecorder<H extends readonly AnyHandler[]> {
  record<K extends EventTypeOf<H>>(type: K, payload: PayloadOf<H, K>, opts?: RecordOptions): Promise<number>;
  recordMany(events: ReadonlyArray<{ [K in EventTypeOf<H>]: Omit<EventInput, 'type' | 'payload'> & { type: K; payload: PayloadOf<H, K> } }[EventTypeOf<H>]>, opts?: { tx?: unknown }): Promise<number[]>;
}

/** Recipient profiles: set (replaces the whole profile), get, delete. */
export type RecipientProfiles = Pick<RecipientBook, 'setRecipient' | 'getRecipient' | 'deleteRecipient'>;

/**
 * The suppression list: addresses that receive nothing (their deliveries end
 * `suppressed`). Addresses compare case-insensitively (stored lower-cased).
 */
export type Suppressions = Pick<SuppressionList, 'suppress' | 'unsuppress' | 'listSuppressions'>;

/**
 * Takes an outstanding event out of its next digest (by id, or by the type
 * and idempotency key it was recorded with); it stays stored as `cancelled`.
 * Throws EventNotFoundError, or EventNotCancellableError naming its state
 * when a run has already claimed it. Again on a cancelled event: the same
 * result with `already: true`. `tx`: in the caller's transaction, as for record().
 */
export interface Canceller {
  cancel(target: CancelTarget, opts?: Pick<CancelOptions, 'tx'>): Promise<CancelResult>;
}

export type Digest<H extends readonly AnyHandler[] = readonly AnyHandler[]> = (string extends EventTypeOf<H> ? Recorder : TypedRecorder<H>) & RecipientProfiles & Suppressions & Canceller & {
  runNow(type?: string, opts?: Omit<RunNowOptions, 'type'>): Promise<RunNowResult[]>;
  close(): Promise<void>;
};

export function createDigest<const H extends readonly AnyHandler[] = readonly AnyHandler[]>(opts: DigestOptions<H> = {}): Digest<H> {
  const env = readEnv();
  const db = openDb(opts.databaseUrl ?? env.databaseUrl);
  const appOpts = { ...opts, env, db };
  // Handlers given in code: no schedules file is read, unless a config object is given too (a type's `urgent`).
  const given = opts.handlers
    ? Promise.resolve({ registry: createRegistry(opts.handlers), config: typeof opts.config === 'object' ? opts.config : undefined })
    : undefined;
  let loaded: Promise<{ registry: Registry; config?: DigestConfig }> | undefined;
  const recordingNow = () => (loaded ??= given ?? loadRecording(appOpts));
  const registryNow = () => recordingNow().then((r) => r.registry);
  let recorder: Promise<Recorder> | undefined;
  const recorderNow = () => (recorder ??= recordingNow().then(({ registry, config }) =>
    createRecorder(db, registry, opts.maxPayloadBytes, (type) => config?.events[type]?.urgent)));
  // Profiles name event types: the same ones this client records.
  let recipients: Promise<RecipientBook> | undefined;
  const recipientsNow = () => (recipients ??= registryNow().then((r) => createRecipientBook(db, r)));
  // Needs no registry: addresses are not per type.
  const suppressions = createSuppressionList(db);
  let app: Promise<App> | undefined;
  const digest: Recorder & RecipientProfiles & Suppressions & Canceller & Pick<Digest, 'runNow' | 'close'> = {
    record: async (type, payload, o) => (await recorderNow()).record(type, payload, o),
    recordMany: async (events, o) => (await recorderNow()).recordMany(events, o),
    setRecipient: async (recipient, profile) => (await recipientsNow()).setRecipient(recipient, profile),
    getRecipient: async (recipient) => (await recipientsNow()).getRecipient(recipient),
    deleteRecipient: async (recipient) => (await recipientsNow()).deleteRecipient(recipient),
    suppress: (address, reason, detail) => suppressions.suppress(address, reason, detail),
    unsuppress: (address) => suppressions.unsuppress(address),
    listSuppressions: (page) => suppressions.listSuppressions(page),
    // Needs no registry: an event of a type no longer configured can be cancelled too.
    cancel: (target, o) => cancelEvent(db, target, { tx: o?.tx }),
    async runNow(type, o = {}) {
      app ??= createApp(appOpts);
      return runNow((await app).ctx, { ...o, type });
    },
    async close() {
      await (await app?.catch(() => undefined))?.close();
      await db.close();
    },
  };
  return digest as Digest<H>;
}

let defaultClient: Digest | undefined;
const client = () => (defaultClient ??= createDigest());

/** record() on a default client from DATABASE_URL (handlers from the schedules file). */
export const record: Recorder['record'] = (type, payload, opts) => client().record(type, payload, opts);
export const recordMany: Recorder['recordMany'] = (events, opts) => client().recordMany(events, opts);
/** Recipient profiles on the default client: setRecipient replaces the whole profile. */
export const setRecipient: RecipientProfiles['setRecipient'] = (recipient, profile) => client().setRecipient(recipient, profile);
export const getRecipient: RecipientProfiles['getRecipient'] = (recipient) => client().getRecipient(recipient);
export const deleteRecipient: RecipientProfiles['deleteRecipient'] = (recipient) => client().deleteRecipient(recipient);
/** The suppression list on the default client. */
export const suppress: Suppressions['suppress'] = (address, reason, detail) => client().suppress(address, reason, detail);
export const unsuppress: Suppressions['unsuppress'] = (address) => client().unsuppress(address);
export const listSuppressions: Suppressions['listSuppressions'] = (page) => client().listSuppressions(page);
/** cancel() on the default client. */
export const cancel: Canceller['cancel'] = (target, opts) => client().cancel(target, opts);
/** Closes the default client (lets a script exit). */
export async function closeDefaultClient(): Promise<void> {
  await defaultClient?.close();
  defaultClient = undefined;
}
