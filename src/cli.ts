/**
 * The `digest` command. The only file that reads argv or calls process.exit;
 * each command is a small function elsewhere that returns what to print.
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { createApp, type App, type AppOptions } from './app.js';
import { check, checkDatabase } from './cli/check.js';
import { runDemo } from './cli/demo.js';
import { formatRunNow, runNowProgress } from './cli/run-now.js';
import { formatPrune, pruneProgress } from './cli/prune.js';
import { count, progressLine } from './cli/progress.js';
import { allRecipients, formatRecipient, formatRecipients, PREF_SYNTAX, profileFromOptions, type SetOptions } from './cli/recipients.js';
import { formatStatus } from './cli/status.js';
import { allSuppressions, formatSuppressions, orderOption, reasonOption } from './cli/suppressions.js';
import { scheduleStatus } from './scheduler/status.js';
import { DEFAULT_RETENTION } from './config/retention.js';
import { readEnv } from './config/env.js';
import { createDigest } from './digest.js';
import { DigestError, UnknownEventTypeError } from './errors.js';
import { parseEventTime } from './event-time.js';
import { cancelEvent, type CancelTarget } from './runner/cancel.js';
import { pruneOld } from './runner/prune.js';
import { replayDelivery } from './runner/replay.js';
import { runNow } from './runner/run-now.js';
import { requeueDeliveries } from './store/delivery-marks.js';
import { requeueDead } from './runner/requeue-dead.js';
import { assertMigrated, openDb, shippedMigrations } from './store/open.js';
import { assertSkipsLocked } from './store/skip-locked-probe.js';

const program = new Command('digest')
  .description('Periodic batch digest scheduler')
  .option('--config <path>', 'schedules file (default: $DIGEST_CONFIG or config/schedules.yaml)')
  .showHelpAfterError('(run with --help for usage)');

function appOptions(): AppOptions {
  const env = readEnv();
  return { env, config: program.opts<{ config?: string }>().config ?? env.configPath };
}

/** Opens the app on a migrated database for one command, and closes it after. */
async function withApp<T>(fn: (app: App) => Promise<T>): Promise<T> {
  // These commands never create a database: a missing SQLite file is an error.
  const app = await createApp({ ...appOptions(), createDatabase: false });
  try {
    await assertMigrated(app.ctx.db);
    return await fn(app);
  } finally {
    await app.close();
  }
}

function deliveryId(raw: string): number {
  if (!/^\d+$/.test(raw)) throw new DigestError('USAGE', `delivery id must be a positive integer, got "${raw}"`);
  return Number(raw);
}

const print = (s: string) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);
const json = (v: unknown) => print(JSON.stringify(v, null, 2));

program.command('scheduler')
  .description('run the scheduler: every cadence, retries and lease recovery, until SIGTERM/SIGINT')
  .action(async () => {
    const options = appOptions();
    const env = options.env!;
    // Loaded here: the HTTP stack (fastify, swagger) is this command's alone, and every other command starts faster without it.
    const { createScheduler } = await import('./scheduler-service.js');
    const { runUntilSignalled } = await import('./scheduler-process.js');
    const service = await createScheduler({ ...options, http: { port: env.httpPort, token: env.apiToken, protectDocs: env.protectDocs } });
    await runUntilSignalled(service, (code) => process.exit(code));
  });

const run = program.command('run').description('run event types by hand');
run.command('now [type]')
  .description('process outstanding events now, regardless of cadence (all types when none is given)')
  .option('--recipient <recipient>', 'only this recipient')
  .option('--dry-run', 'render and print what would be sent; claim nothing')
  .option('--json', 'machine-readable output')
  .action(async (type: string | undefined, o: { recipient?: string; dryRun?: boolean; json?: boolean }) => {
    const progress = progressLine({ stream: process.stderr, json: o.json });
    const results = await withApp((app) => runNow(app.ctx, {
      type, recipient: o.recipient, dryRun: o.dryRun, onProgress: (t, p) => progress.update(runNowProgress(t, p)),
    })).finally(() => progress.done());
    if (o.json) json(results);
    else print(formatRunNow(results));
  });

program.command('record <type> <payload>')
  .description("append one event; payload is JSON, or '-' to read it from stdin")
  .option('--idempotency-key <key>', 'the same key for the same type records once')
  .option('--available-at <iso>', 'not processed before this time')
  .action(async (type: string, payload: string, o: { idempotencyKey?: string; availableAt?: string }) => {
    const text = payload === '-' ? readFileSync(0, 'utf8') : payload;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new DigestError('BAD_JSON', `payload is not valid JSON: ${(err as Error).message}`);
    }
    const availableAt = o.availableAt ? parseEventTime('--available-at', o.availableAt) : undefined;
    const { env, config } = appOptions();
    const digest = createDigest({ databaseUrl: env!.databaseUrl, config });
    try {
      print(String(await digest.record(type, parsed, { idempotencyKey: o.idempotencyKey, availableAt })));
    } finally {
      await digest.close();
    }
  });

program.command('cancel [eventId]')
  .description('take an outstanding event out of its next digest (kept as cancelled, never delivered); fails naming its state once a run has claimed it')
  .option('--type <type>', 'with --key: the event type')
  .option('--key <idempotencyKey>', 'with --type: the idempotency key the event was recorded with')
  .option('--json', 'machine-readable output')
  .action(async (id: string | undefined, o: { type?: string; key?: string; json?: boolean }) => {
    const byKey = o.type != null || o.key != null;
    if ((id == null) === !byKey) throw new DigestError('USAGE', 'give an event id, or --type and --key');
    if (byKey && (o.type == null || o.key == null)) throw new DigestError('USAGE', '--type and --key go together');
    if (id != null && !/^\d+$/.test(id)) throw new DigestError('USAGE', `event id must be a positive integer, got "${id}"`);
    const target: CancelTarget = id != null ? { id: Number(id) } : { type: o.type!, idempotencyKey: o.key! };
    const r = await withApp((app) => cancelEvent(app.ctx.db, target));
    if (o.json) json(r);
    else print(r.already ? `event ${r.eventId} was already cancelled` : `cancelled event ${r.eventId} (${r.type}); it will not be delivered`);
  });

program.command('retry [deliveryId]')
  .description('re-queue a dead or failed delivery (or all dead ones with --dead); a running scheduler sends them within a second')
  .option('--dead', 're-queue every dead delivery')
  .option('--type <type>', 'with --dead: only this event type')
  .action(async (id: string | undefined, o: { dead?: boolean; type?: string }) => {
    if ((id == null) === !o.dead) throw new DigestError('USAGE', 'give a delivery id or --dead');
    const progress = progressLine({ stream: process.stderr });
    const n = await withApp((app) => {
      const known = Object.keys(app.ctx.config.events);
      if (o.type != null && !known.includes(o.type)) throw new UnknownEventTypeError(o.type, known);
      return o.dead
        ? requeueDead(app.ctx, { type: o.type, onProgress: (k) => progress.update(`retry --dead: ${count(k)} re-queued so far…`) })
        : requeueDeliveries(app.ctx.db, { id: deliveryId(id!) }, app.ctx.databaseNow?.());
    }).finally(() => progress.done());
    if (id != null && n === 0) throw new DigestError('NOT_RETRYABLE', `delivery ${id} does not exist or is not dead/failed`);
    print(`re-queued ${n} delivery(ies)`);
  });

program.command('replay <deliveryId>')
  .description('re-send a sent delivery exactly as it was (same content and Message-ID)')
  .action(async (id: string) => {
    await withApp((app) => replayDelivery(app.ctx, deliveryId(id)));
    print(`replayed delivery ${id}`);
  });

program.command('prune')
  .description('delete processed events, sent deliveries and finished runs older than the schedules file\'s retention (default 30 days); dead ones are kept')
  .option('--dry-run', 'count what would be deleted, delete nothing')
  .option('--json', 'machine-readable output')
  .action(async (o: { dryRun?: boolean; json?: boolean }) => {
    const progress = progressLine({ stream: process.stderr, json: o.json });
    const counts = await withApp((app) => pruneOld(app.ctx.db, app.ctx.config.retention ?? DEFAULT_RETENTION, new Date(), {
      dryRun: o.dryRun,
      onProgress: (t, n) => progress.update(pruneProgress(t, n)),
    })).finally(() => progress.done());
    if (o.json) json({ dryRun: Boolean(o.dryRun), ...counts });
    else print(formatPrune(counts, Boolean(o.dryRun)));
  });

program.command('status')
  .description('per type: outstanding events, oldest age, last and next run; deliveries by status')
  .option('--json', 'machine-readable output')
  .action(async (o: { json?: boolean }) => {
    const s = await withApp((app) => scheduleStatus(app.ctx));
    if (o.json) json(s);
    else print(formatStatus(s));
  });

const recipient = program.command('recipient')
  .description('recipient profiles: time zone, locale, quiet hours, per-type frequency (stored; the scheduler does not use them yet)');
const noProfile = (key: string) => new DigestError('NOT_FOUND', `no profile for recipient ${JSON.stringify(key)} (every type uses its defaults)`);

recipient.command('set <key>')
  .description('store a recipient\'s profile, replacing the whole of it: a part not given is cleared')
  .option('--time-zone <zone>', 'IANA time zone, e.g. Europe/Berlin')
  .option('--locale <tag>', 'BCP 47 language tag, e.g. de-DE')
  .option('--quiet <start-end>', 'quiet hours in local time, e.g. 22:00-07:00 (may wrap midnight)')
  .option('--pref <pref>', `per-type frequency, repeatable: ${PREF_SYNTAX}; FREQUENCY is immediate, daily, weekly or off`,
    (v: string, all: string[] = []) => [...all, v])
  .option('--json', 'machine-readable output')
  .action(async (key: string, o: SetOptions & { json?: boolean }) => {
    const input = profileFromOptions(o);
    const stored = await withApp((app) => app.recipients.setRecipient(key, input));
    if (o.json) json(stored);
    else print(formatRecipient(stored));
  });

recipient.command('get <key>')
  .description('show a recipient\'s profile')
  .option('--json', 'machine-readable output')
  .action(async (key: string, o: { json?: boolean }) => {
    const p = await withApp((app) => app.recipients.getRecipient(key));
    if (!p) throw noProfile(key);
    if (o.json) json(p);
    else print(formatRecipient(p));
  });

recipient.command('list')
  .description('every recipient profile, in recipient order')
  .option('--json', 'machine-readable output')
  .action(async (o: { json?: boolean }) => {
    const all = await withApp((app) => allRecipients(app.recipients));
    if (o.json) json(all);
    else print(formatRecipients(all));
  });

recipient.command('delete <key>')
  .description('delete a recipient\'s profile (every type\'s defaults apply again)')
  .action(async (key: string) => {
    if (!await withApp((app) => app.recipients.deleteRecipient(key))) throw noProfile(key);
    print(`deleted the profile of recipient ${JSON.stringify(key)}`);
  });

const suppression = program.command('suppression')
  .description('the suppression list: addresses that receive nothing (their deliveries end suppressed)');

suppression.command('add <address>')
  .description('suppress an address (stored lower-cased; suppressing it again replaces reason and detail)')
  .option('--reason <reason>', 'manual, bounce or complaint', 'manual')
  .option('--detail <text>', 'why, for whoever reads the list later')
  .option('--json', 'machine-readable output')
  .action(async (address: string, o: { reason?: string; detail?: string; json?: boolean }) => {
    const reason = reasonOption(o.reason);
    const stored = await withApp((app) => app.suppressions.suppress(address, reason, o.detail));
    if (o.json) json(stored);
    else print(`suppressed ${stored.address} (${stored.reason})`);
  });

suppression.command('list')
  .description('every suppressed address')
  .option('--order <order>', 'newest (first) or address', 'newest')
  .option('--json', 'machine-readable output')
  .action(async (o: { order: string; json?: boolean }) => {
    const order = orderOption(o.order);
    const all = await withApp((app) => allSuppressions(app.suppressions, order));
    if (o.json) json(all);
    else print(formatSuppressions(all));
  });

suppression.command('remove <address>')
  .description('take an address off the suppression list (its next deliveries are sent again)')
  .action(async (address: string) => {
    if (!await withApp((app) => app.suppressions.unsuppress(address))) {
      throw new DigestError('NOT_FOUND', `${JSON.stringify(address.trim().toLowerCase())} is not suppressed`);
    }
    print(`removed ${address.trim().toLowerCase()} from the suppression list`);
  });

program.command('check')
  .description('validate the schedules file, handlers and templates; print each type\'s next fire times')
  .action(async () => {
    const options = appOptions();
    print(await check(options));
    const database = await checkDatabase(options.env!.databaseUrl);
    if (database) print(database);
  });

program.command('demo')
  .description('record a realistic batch of orders and purchase requests and deliver it (no setup needed)')
  .action(async () => {
    const env = readEnv();
    const configPath = program.opts<{ config?: string }>().config ?? env.configPath;
    await runDemo({ databaseUrl: env.databaseUrl, configPath, env, print });
  });

program.command('migrate')
  .description('create or upgrade the digest tables')
  .action(async () => {
    const db = openDb(readEnv().databaseUrl);
    try {
      const pending = await db.pendingMigrations();
      const fresh = pending === shippedMigrations(db);
      await db.migrate();
      const n = `${pending} migration${pending === 1 ? '' : 's'} applied`;
      print(pending === 0 ? 'database is up to date' : fresh ? `created the digest tables (${n})` : `upgraded the digest tables (${n})`);
      // Refuses an engine that takes no lock for SKIP LOCKED (MySQL only).
      await assertSkipsLocked(db);
    } finally {
      await db.close();
    }
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  // One clear line (a config error lists every problem below its line).
  const message = err instanceof DigestError ? err.message : err instanceof Error ? err.message : String(err);
  process.stderr.write(`digest: ${message}\n`);
  process.exit(1);
});
