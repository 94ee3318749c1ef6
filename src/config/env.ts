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
  templatesDir: string;
  /** Bearer token for the HTTP API; unset means loopback-only binding. */
  apiToken?: string;
  httpPort: number;
  logLevel: string;
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

function parsePort(raw: string | undefined, issues: Issue[]): number {
  if (raw === undefined) return 8080;
  const port = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    issues.push({ path: 'DIGEST_HTTP_PORT', message: `must be an integer between 1 and 65535, got "${raw}"` });
    return 8080;
  }
  return port;
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
    templatesDir: get(source, 'DIGEST_TEMPLATES') ?? 'templates',
    apiToken: get(source, 'DIGEST_API_TOKEN'),
    httpPort: parsePort(get(source, 'DIGEST_HTTP_PORT'), issues),
    logLevel: parseLogLevel(get(source, 'LOG_LEVEL'), issues),
    vars: { ...source },
  };
  if (issues.length > 0) throw new ConfigError(issues);
  return env;
}
