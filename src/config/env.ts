/**
 * The only module that reads process.env. Everything else receives an `Env`
 * (or the values it needs) as an argument, so tests never mutate globals and
 * the full list of environment knobs lives in one place (see DESIGN.md,
 * "Contracts that outside code relies on").
 */
import { ConfigError, type Issue } from '../errors.js';

export interface Env {
  /** Engine + location; unset means the embedded SQLite default. */
  databaseUrl?: string;
  /** Schedules file (the CLI's --config overrides it). */
  configPath: string;
  /** Overrides the schedules file's `templates:` when set. */
  templatesDir?: string;
  /** Handler modules (comma-separated in DIGEST_HANDLERS); when set, they replace the schedules file's `handlers:`. */
  handlerModules?: string[];
  /** Bearer token for the HTTP API; unset means loopback-only binding. */
  apiToken?: string;
  /** DIGEST_PROTECT_DOCS=1: /docs and /openapi.json need the token too (default: open, they hold no data). */
  protectDocs: boolean;
  httpPort: number;
  logLevel: string;
  /** How long a claimed delivery stays one worker's before another may recover it. */
  leaseMs: number;
  /** On SIGTERM, how long in-flight sends may take before the process gives up on them. */
  shutdownGraceMs: number;
  /** Idle poll interval of immediate types. */
  pollMs: number;
  /** The whole environment, for `${VAR}` interpolation in the schedules file. */
  vars: Record<string, string | undefined>;
}

/** pino's levels; anything else would only fail later, at logger creation. */
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Empty strings count as unset: `FOO=` in a .env or compose file means "no value". */
function get(source: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = source[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function parseInteger(source: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number, issues: Issue[]): number {
  const raw = get(source, name);
  if (raw === undefined) return fallback;
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    issues.push({ path: name, message: `must be an integer between ${min} and ${max}, got "${raw}"` });
    return fallback;
  }
  return n;
}

function parseFlag(source: NodeJS.ProcessEnv, name: string, issues: Issue[]): boolean {
  const raw = get(source, name);
  if (raw === undefined || raw === '0' || raw.toLowerCase() === 'false') return false;
  if (raw === '1' || raw.toLowerCase() === 'true') return true;
  issues.push({ path: name, message: `must be 1 or 0, got "${raw}"` });
  return false;
}

function parseLogLevel(raw: string | undefined, issues: Issue[]): string {
  if (raw === undefined) return 'info';
  const level = raw.toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    issues.push({ path: 'LOG_LEVEL', message: `must be one of ${LOG_LEVELS.join(', ')}, got "${raw}"` });
  }
  return level;
}

/** Reads and validates the environment; every problem is reported in one ConfigError. */
export function readEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const issues: Issue[] = [];
  const env: Env = {
    databaseUrl: get(source, 'DATABASE_URL'),
    configPath: get(source, 'DIGEST_CONFIG') ?? 'config/schedules.yaml',
    templatesDir: get(source, 'DIGEST_TEMPLATES'),
    handlerModules: get(source, 'DIGEST_HANDLERS')?.split(',').map((m) => m.trim()).filter(Boolean),
    apiToken: get(source, 'DIGEST_API_TOKEN'),
    protectDocs: parseFlag(source, 'DIGEST_PROTECT_DOCS', issues),
    // 0 = any free port (the bound one is logged): several schedulers on one host.
    httpPort: parseInteger(source, 'DIGEST_HTTP_PORT', 8080, 0, 65535, issues),
    logLevel: parseLogLevel(get(source, 'LOG_LEVEL'), issues),
    leaseMs: parseInteger(source, 'DIGEST_LEASE_SECONDS', 60, 1, 3600, issues) * 1000,
    shutdownGraceMs: parseInteger(source, 'DIGEST_SHUTDOWN_GRACE_SECONDS', 10, 0, 600, issues) * 1000,
    pollMs: parseInteger(source, 'DIGEST_POLL_MS', 50, 10, 60_000, issues),
    vars: { ...source },
  };
  if (issues.length > 0) throw new ConfigError(issues);
  return env;
}
