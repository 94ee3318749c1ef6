/**
 * config/schedules.yaml → typed DigestConfig, once, at the edge.
 *
 * Every problem is collected (YAML syntax, unset ${VAR}, shape, unknown keys,
 * cadences, time zones, transport references) and thrown as ONE ConfigError,
 * so ops fix the file in one pass instead of one error per restart. Each part
 * (each transport, each event type) is validated on its own for that reason:
 * a bad transport must not hide a bad cadence.
 * Handlers and templates are checked elsewhere; this module only knows the file.
 */
import { createPrivateKey } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { DEFAULT_RETENTION, parseRetention, type Retention } from './retention.js';
import { dirname, isAbsolute, resolve } from 'node:path';
import { IANAZone } from 'luxon';
import { LineCounter, parseDocument } from 'yaml';
import * as z from 'zod';
import { ConfigError, type Issue } from '../errors.js';
import { parseCadence } from './cadence.js';
import { checkFieldPath, checkLocale, checkRendering } from './rendering.js';
import { interpolate, protectVars, type Vars } from './vars.js';
import { type Cadence, WALL_TIME, WEEKDAYS } from '../types.js';
import type { DigestConfig, EventTypeConfig, TransportConfig, TypeDeclaration } from './types.js';


const zone = z.string().refine((tz) => IANAZone.isValidZone(tz), { error: (iss) => `unknown time zone "${String(iss.input)}"` });
/**
 * Numbers may come from the environment (`ratePerSecond: ${RATE}`), and the
 * environment holds text: a numeric string is read as the number it spells.
 */
const numeric = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (typeof v === 'string' && /^\s*-?(\d+\.?\d*|\.\d+)\s*$/.test(v) ? Number(v) : v), schema);
const int = (min: number, max: number) =>
  numeric(z.number().int('must be an integer').min(min, `must be between ${min} and ${max}`).max(max, `must be between ${min} and ${max}`));
const text = z.string().trim().min(1, 'must not be empty');
const url = (protocols: string[]) =>
  text.refine(
    (u) => URL.canParse(u) && protocols.includes(new URL(u).protocol),
    `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`,
  );

const domain = z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/, 'must be a domain name (e.g. mail.shop.example)').max(253);

/** Shorter keys can be guessed offline from one link (HMAC-SHA256 tokens, src/unsubscribe/token.ts). */
export const MIN_UNSUBSCRIBE_SECRET = 16;

/** nodemailer signs rsa-sha256 only; the key is checked here so a bad one stops the start, not every send. */
function isRsaPrivateKey(pem: string): boolean {
  try {
    return createPrivateKey(pem).asymmetricKeyType === 'rsa';
  } catch {
    return false;
  }
}

const TopSchema = z.strictObject({
  timezone: zone.default('UTC'),
  // Handler modules (relative to this file, absolute, or a package name) and the templates directory.
  handlers: z.union([text, z.array(text)]).optional(),
  templates: text.optional(),
  // The right-hand side of every Message-ID: a domain of this installation.
  messageIdDomain: domain.optional(),
  transports: z.record(z.string(), z.unknown()),
  events: z.record(z.string(), z.unknown()),
  // How long finished work is kept (config/retention.ts): `30d`, `12h`.
  retention: z.strictObject({ events: text.optional(), deliveries: text.optional(), runs: text.optional() }).optional(),
  // Language of messages whose recipient and type name none (config/rendering.ts); unset: the default template files.
  locale: text.optional(),
  // Where this scheduler's HTTP server is reached from outside: the base of the links put in messages.
  publicUrl: url(['http:', 'https:'])
    .refine((u) => !/[?#]/.test(u), 'must be a base URL, without ?query or #fragment')
    .optional(),
  // One-click unsubscribe links (src/unsubscribe/): the key their tokens are signed with.
  unsubscribe: z.strictObject({
    secret: z.string().min(MIN_UNSUBSCRIBE_SECRET, `must be at least ${MIN_UNSUBSCRIBE_SECRET} characters (e.g. openssl rand -base64 32)`),
  }).optional(),
});

const TransportSchemas = {
  console: z.strictObject({ kind: z.literal('console') }),
  file: z.strictObject({ kind: z.literal('file'), dir: text, from: text.default('digest <digest@localhost>') }),
  smtp: z.strictObject({
    kind: z.literal('smtp'),
    url: url(['smtp:', 'smtps:']),
    from: text,
    ratePerSecond: numeric(z.number().positive('must be positive')).optional(),
    // The usual knobs for private mail relays: own CA, SNI name, floor version.
    tls: z.strictObject({
      rejectUnauthorized: z.boolean().optional(),
      servername: text.optional(),
      minVersion: z.enum(['TLSv1.2', 'TLSv1.3']).optional(),
      ca: text.optional(),
    }).optional(),
    // DKIM-sign every message (nodemailer's dkim option; see transports/smtp.ts for the headers signed).
    dkim: z.strictObject({
      domainName: domain,
      keySelector: z.string().regex(/^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$/, 'must be a DKIM selector (e.g. mail2026)'),
      // A PEM key from the environment often has its line breaks written as `\n`.
      privateKey: z.preprocess((v) => (typeof v === 'string' && !v.includes('\n') ? v.replaceAll('\\n', '\n') : v),
        text.refine(isRsaPrivateKey, 'must be an RSA private key in PEM form (-----BEGIN PRIVATE KEY----- …)')),
    }).optional(),
  }),
  webhook: z.strictObject({
    kind: z.literal('webhook'),
    url: url(['http:', 'https:']),
    secret: text.optional(),
    timeoutMs: int(1, 600_000).default(10_000),
    // Requests in flight at once: what the receiver can take.
    concurrency: int(1, 256).default(8),
    // POST a JSON array of deliveries per request (transports/webhook-batch.ts):
    // the receiver must be written for it, so it is asked for, never assumed.
    batch: z.boolean().default(false),
    batchSize: int(1, 1000).optional(),
  }).refine((w) => w.batchSize === undefined || w.batch, {
    path: ['batchSize'],
    // A batchSize left over from a batch receiver would otherwise be silently ignored.
    error: 'is read only with batch: true',
  }),
  // Deliveries wait, rendered, for outside consumers to lease them over HTTP (runner/pull.ts).
  pull: z.strictObject({ kind: z.literal('pull') }),
};
const { console: consoleT, file, smtp, webhook, pull } = TransportSchemas;
const TransportSchema = z.discriminatedUnion('kind', [consoleT, file, smtp, webhook, pull]);

/**
 * With the runner's backoff (10 s doubling, capped at 6 h, half of it
 * jitter) 20 attempts span 26.7 h at the least, about 40 h typically: a
 * recipient's mail server that is out for a day still gets its digest.
 * Transport outages cost no attempts at all (runner/transport-circuit.ts).
 */
export const DEFAULT_MAX_ATTEMPTS = 20;

/** `post.id`: names separated by single dots; checked against the payload schema where the handler is known (handlers/shaping-check.ts). */
const DOTTED_PATH = /^[^.\s]+(\.[^.\s]+)*$/;

const EventSchema = z.strictObject({
  // Optional only with deliverAt (checked in readSchedules): the type then claims at once and holds for each window.
  cadence: text.optional(),
  transport: text,
  timezone: text.optional(), // checked in checkEvent, so a bad zone does not hide a bad cadence
  maxAttempts: int(1, 100).default(DEFAULT_MAX_ATTEMPTS),
  // Recipients per claim page; a page also holds at most MAX_EVENTS_PER_PAGE events.
  batchSize: int(1, 10_000).default(1000),
  // Digest shaping (handlers/max-items.ts, handlers/collapse.ts): what the template is given, never what the delivery takes.
  maxItems: numeric(z.number().int('must be a positive integer').min(1, 'must be a positive integer')).optional(),
  collapseKey: text.refine((v) => v === '' || DOTTED_PATH.test(v), 'must be a dotted payload path (e.g. post.id)').optional(),
  // A type declared here instead of in a handler module (see handlers/declared.ts).
  group: z.enum(['recipient', 'event']).optional(),
  recipient: text.optional(),
  to: text.optional(),
  template: text.optional(),
  payload: z.record(z.string(), z.unknown()).optional(),
  // A send window in each recipient's own time zone (recipients/timing.ts).
  deliverAt: text.refine((v) => WALL_TIME.test(v), { error: (iss) => `${JSON.stringify(iss.input)} is not a local time "HH:MM" (00:00 to 23:59)` }).optional(),
  days: z.array(z.enum(WEEKDAYS, { error: `must be one of ${WEEKDAYS.join(', ')}` })).min(1).optional(),
  // true, or the payload path that marks an urgent event (a field path, checked in checkEvent).
  urgent: z.union([z.boolean(), text]).optional(),
  // Rendering (runner/recipient-settings.ts): the type's language when the
  // recipient has none, and payload fields that carry the recipient's own.
  locale: text.optional(),
  localeField: text.optional(),
  timeZoneField: text.optional(),
});
const DECLARATION_KEYS = ['group', 'recipient', 'to', 'template', 'payload'] as const;

const EXPECTED: Record<string, string> = { object: 'a mapping', record: 'a mapping', string: 'a string', number: 'a number', int: 'an integer' };

/** zod's issues in our words, one per problem, with dotted key paths. */
function toIssues(error: z.ZodError, prefix: string[], allowed: string[]): Issue[] {
  return error.issues.flatMap((iss): Issue[] => {
    const at = [...prefix, ...iss.path.map(String)];
    if (iss.code === 'unrecognized_keys') {
      const hint = allowed.length > 0 && iss.path.length === 0 ? ` (expected ${allowed.join(', ')})` : '';
      return iss.keys.map((k) => ({ path: [...at, k].join('.'), message: `unknown key${hint}` }));
    }
    let message = iss.message;
    if (iss.code === 'invalid_type') message = iss.input === undefined ? 'is required' : `must be ${EXPECTED[iss.expected] ?? `a ${iss.expected}`}`;
    if (iss.code === 'invalid_union' && 'options' in iss) message = `must be one of ${(iss.options as unknown[]).join(', ')}`;
    return [{ path: at.join('.'), message }];
  });
}

/** Parses one part; on failure adds its issues (`allowed` names the valid keys for "unknown key"). */
function check<T extends z.ZodType>(
  schema: T,
  value: unknown,
  prefix: string[],
  issues: Issue[],
  allowed: string[] = [],
): z.output<T> | undefined {
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  issues.push(...toIssues(result.error, prefix, allowed));
  return undefined;
}

/**
 * YAML syntax errors. After the first real syntax error the parser has lost
 * the document's structure and its further complaints are knock-on noise, so
 * only that one is reported; duplicate keys are independent and all reported.
 */
function readYaml(text: string, issues: Issue[]): unknown {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const firstSyntax = doc.errors.find((e) => e.code !== 'DUPLICATE_KEY');
  for (const err of doc.errors.filter((e) => e === firstSyntax || e.code === 'DUPLICATE_KEY')) {
    const { line, col } = lineCounter.linePos(err.pos[0]);
    issues.push({ path: '', message: `YAML syntax error at ${line}:${col}: ${err.message}` });
  }
  return doc.errors.length > 0 ? undefined : (doc.toJS() ?? {});
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses the schedules file text. Throws ConfigError listing every problem. */
export function parseSchedules(text: string, vars: Vars, dir = process.cwd()): DigestConfig {
  const { config, issues } = readSchedules(text, vars, dir);
  if (!config || issues.length > 0) throw new ConfigError(issues);
  return config;
}

/** A module path is relative to the schedules file (`./x.js`, or `x.js` when that file exists); anything else is a package name. */
const fromFile = (dir: string, p: string) => (isAbsolute(p) || p.startsWith('.') || existsSync(resolve(dir, p)) ? resolve(dir, p) : p);

/**
 * Parses the schedules file text into the config that can be built and every
 * problem found, so the caller can add the problems of handler modules and
 * templates and report them all at once. `dir` is the file's directory.
 */
export function readSchedules(text: string, vars: Vars, dir: string): { config?: DigestConfig; issues: Issue[] } {
  if (Buffer.byteLength(text) > MAX_SCHEDULES_BYTES) return { issues: [tooLarge('the schedules text', Buffer.byteLength(text))] };
  const issues: Issue[] = [];
  const raw = readYaml(protectVars(text), issues);
  if (raw === undefined) return { issues };
  const varIssues: Issue[] = [];
  const data = interpolate(raw, vars, varIssues, []);

  // The top level is checked as a whole, then each part on its own, so that
  // e.g. an unknown top-level key does not hide a bad cadence further down.
  const top = check(TopSchema, data, [], issues, Object.keys(TopSchema.shape));
  const obj = isRecord(data) ? data : {};
  const timezone = top?.timezone ?? (typeof obj.timezone === 'string' && IANAZone.isValidZone(obj.timezone) ? obj.timezone : 'UTC');
  const rawTransports = isRecord(obj.transports) ? obj.transports : {};
  const rawEvents = isRecord(obj.events) ? obj.events : {};

  const transports: Record<string, TransportConfig> = {};
  for (const [name, value] of Object.entries(rawTransports)) {
    const kind = isRecord(value) && typeof value.kind === 'string' ? value.kind : '';
    const shape = Object.hasOwn(TransportSchemas, kind) ? TransportSchemas[kind as keyof typeof TransportSchemas].shape : {};
    const t = check(TransportSchema, value, ['transports', name], issues, Object.keys(shape));
    if (t) transports[name] = { name, ...t } as TransportConfig;
  }

  const events: Record<string, EventTypeConfig> = {};
  for (const [type, value] of Object.entries(rawEvents)) {
    // Reported with the shape's own problems, not after them: a window type may leave the cadence out.
    if (isRecord(value) && value.cadence === undefined && value.deliverAt === undefined) {
      issues.push({ path: `events.${type}.cadence`, message: 'is required (or give deliverAt)' });
    }
    const e = check(EventSchema, value, ['events', type], issues, Object.keys(EventSchema.shape));
    if (e && (e.cadence !== undefined || e.deliverAt !== undefined)) {
      const event = checkEvent(type, e, timezone, Object.keys(rawTransports), issues);
      if (event) events[type] = event;
    }
  }

  // A field whose ${VAR} is unset would also fail its own rule ("must not be
  // empty"); report only the cause.
  const unset = new Set(varIssues.map((i) => i.path));
  const all = [...varIssues, ...issues.filter((i) => !unset.has(i.path))];
  const handlers = top?.handlers === undefined ? [] : [top.handlers].flat();
  const templates = top?.templates === undefined ? undefined : resolve(dir, top.templates);
  const messageIdDomain = top?.messageIdDomain;
  const defaultLocale = top?.locale === undefined ? undefined : checkLocale(top.locale, 'locale', all);
  const retention = top?.retention === undefined ? undefined : checkRetention(top.retention, all);
  // Links need a place to point to.
  if (top?.unsubscribe && top.publicUrl === undefined) {
    all.push({ path: 'unsubscribe', message: 'needs publicUrl: the base URL where this scheduler\'s HTTP server is reached (the links point there)' });
  }
  const publicUrl = top?.publicUrl?.replace(/\/+$/, '');
  return {
    config: {
      timezone, handlers: handlers.map((h) => fromFile(dir, h)), templates, ...(messageIdDomain ? { messageIdDomain } : {}),
      ...(defaultLocale ? { locale: defaultLocale } : {}),
      transports, events, ...(retention ? { retention } : {}),
      ...(publicUrl ? { publicUrl } : {}), ...(top?.unsubscribe ? { unsubscribe: top.unsubscribe } : {}),
    },
    issues: all,
  };
}

function checkRetention(r: { events?: string; deliveries?: string; runs?: string }, issues: Issue[]): Retention {
  const out = { ...DEFAULT_RETENTION };
  for (const [key, field] of [['events', 'eventsMs'], ['deliveries', 'deliveriesMs'], ['runs', 'runsMs']] as const) {
    const given = r[key];
    if (given === undefined) continue;
    try {
      out[field] = parseRetention(given);
    } catch (err) {
      issues.push({ path: `retention.${key}`, message: (err as Error).message });
    }
  }
  return out;
}

/** The checks that need more than the event's own shape: zone, cadence, transport name. */
function checkEvent(
  type: string,
  e: z.output<typeof EventSchema>,
  defaultZone: string,
  transportNames: string[],
  issues: Issue[],
): EventTypeConfig | undefined {
  const path = `events.${type}`;
  const before = issues.length;
  const timezone = e.timezone ?? defaultZone;
  const zoneOk = IANAZone.isValidZone(timezone);
  if (!zoneOk) issues.push({ path: `${path}.timezone`, message: `unknown time zone "${timezone}"` });
  if (!transportNames.includes(e.transport)) {
    const known = transportNames.join(', ') || 'none';
    issues.push({ path: `${path}.transport`, message: `unknown transport "${e.transport}" (defined: ${known})` });
  }
  if (e.days && e.deliverAt === undefined) issues.push({ path: `${path}.days`, message: 'is only allowed with deliverAt' });
  // Every event urgent means every event goes at once: a window would never apply.
  if (e.urgent === true && e.deliverAt !== undefined) {
    issues.push({ path: `${path}.urgent`, message: 'true sends every event at once, so deliverAt would never apply: name the payload field that marks an urgent event instead' });
  }
  let cadence: Cadence | undefined;
  try {
    // With a bad zone (already reported) still check the cadence itself, in UTC.
    // A window type without a cadence claims at once: each event is held for its recipient's slot as it arrives.
    cadence = parseCadence(e.cadence ?? 'immediate', zoneOk ? timezone : 'UTC');
  } catch (err) {
    issues.push({ path: `${path}.cadence`, message: (err as Error).message });
  }
  const shaping = { ...(e.maxItems !== undefined && { maxItems: e.maxItems }), ...(e.collapseKey !== undefined && { collapseKey: e.collapseKey }) };
  const declared = checkDeclaration(path, e, issues);
  const rendering = checkRendering(path, e, issues);
  const urgent = typeof e.urgent === 'string' ? checkFieldPath(e.urgent, `${path}.urgent`, issues) : e.urgent || undefined;
  if (!cadence || issues.length > before) return undefined;
  return {
    ...shaping,
    type, cadence, transport: e.transport, timezone, maxAttempts: e.maxAttempts, batchSize: e.batchSize, declared, ...rendering,
    ...(e.deliverAt !== undefined && { deliverAt: e.deliverAt }), ...(e.days && { days: e.days }), ...(urgent && { urgent }),
  };
}

/**
 * Any of group/recipient/to/template/payload makes the entry a declared type,
 * which then needs recipient, template and payload. The schema itself and the
 * paths into it are checked where the handler is built (handlers/declared.ts).
 */
function checkDeclaration(path: string, e: z.output<typeof EventSchema>, issues: Issue[]): TypeDeclaration | undefined {
  if (!DECLARATION_KEYS.some((k) => e[k] !== undefined)) return undefined;
  for (const k of ['recipient', 'template', 'payload'] as const) {
    if (e[k] === undefined) issues.push({ path: `${path}.${k}`, message: 'is required for a type declared in the schedules file' });
  }
  if (e.recipient === undefined || e.template === undefined || e.payload === undefined) return undefined;
  return { group: e.group ?? 'recipient', recipient: e.recipient, to: e.to, template: e.template, payload: e.payload };
}

/**
 * A schedules file is a few kilobytes; one of megabytes is a mistake (a log
 * or a dump in its place), and parsing it would take minutes and gigabytes.
 */
export const MAX_SCHEDULES_BYTES = 1024 * 1024;
const tooLarge = (what: string, bytes: number) =>
  ({ path: '', message: `${what} is ${bytes} bytes, over the ${MAX_SCHEDULES_BYTES}-byte (1 MiB) limit for a schedules file` });

/** Reads and parses the schedules file; relative paths in it are relative to it. A missing, unreadable or oversized file is an issue naming it. */
export function loadSchedules(path: string, vars: Vars): { config?: DigestConfig; issues: Issue[] } {
  let text: string;
  try {
    // Checked before reading: an oversized file is refused without loading it.
    const { size } = statSync(path);
    if (size > MAX_SCHEDULES_BYTES) return { issues: [tooLarge(`schedules file ${path}`, size)] };
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const message = code === 'ENOENT' ? `schedules file ${path} not found` : `cannot read schedules file ${path}: ${(err as Error).message}`;
    return { issues: [{ path: '', message }] };
  }
  return readSchedules(text, vars, dirname(path));
}
