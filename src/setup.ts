/**
 * Loading the setup: the schedules file, the handler modules it (or
 * DIGEST_HANDLERS, or code) names, the types it declares, the templates —
 * checked against each other. This is where the handler registry is built;
 * every problem of every part is collected and reported in one ConfigError,
 * so ops fix the setup in one pass. Opens nothing.
 */
import { isAbsolute, resolve } from 'node:path';
import { checkTimeouts } from './config/lease-timeouts.js';
import { readEnv, type Env } from './config/env.js';
import { loadSchedules } from './config/schedules.js';
import type { DigestConfig } from './config/types.js';
import { ConfigError, DigestError, type Issue } from './errors.js';
import { crossCheck } from './handlers/cross-check.js';
import { declareHandler } from './handlers/declared.js';
import { importHandlerModules, type SourcedHandler } from './handlers/load.js';
import type { Handler } from './handlers/define.js';
import { buildRegistry, type Registry } from './handlers/registry.js';
import { checkShaping } from './handlers/shaping-check.js';
import { loadTemplates, type Renderer } from './render/renderer.js';

/** Where the setup comes from; the composition root's AppOptions extends it. */
export interface SetupOptions {
  env?: Env;
  /** A parsed config, or a path to a schedules file. */
  config?: DigestConfig | string;
  /** Handlers given in code: when set, they replace the handler modules DIGEST_HANDLERS or the schedules file name. */
  handlers?: readonly Handler[];
  /** Overrides DIGEST_TEMPLATES and the schedules file's `templates:`. */
  templatesDir?: string;
  leaseMs?: number;
}

export interface Setup {
  env: Env;
  config: DigestConfig;
  registry: Registry;
  renderer: Renderer;
}

const abs = (p: string) => (isAbsolute(p) ? p : resolve(process.cwd(), p));

/** The handlers of this setup: given in code, else imported modules; plus the types the schedules file declares. */
async function loadHandlers(opts: SetupOptions, env: Env, config: DigestConfig, issues: Issue[]): Promise<SourcedHandler[]> {
  const list: SourcedHandler[] = [];
  if (opts.handlers) list.push(...opts.handlers.map((handler) => ({ handler, source: 'code' })));
  else {
    const fromEnv = env.handlerModules?.map((m) => (m.startsWith('.') ? abs(m) : m));
    const imported = await importHandlerModules(fromEnv ?? config.handlers ?? [], fromEnv ? 'DIGEST_HANDLERS' : 'handlers');
    list.push(...imported.handlers);
    issues.push(...imported.issues);
  }
  for (const ev of Object.values(config.events)) {
    if (!ev.declared) continue;
    const { handler, issues: found } = declareHandler(ev.type, ev.declared, `events.${ev.type}`);
    if (handler) list.push({ handler, source: 'schedules file' });
    issues.push(...found);
  }
  return list;
}

function tryLoadTemplates(dir: string, issues: Issue[]): Renderer | undefined {
  try {
    return loadTemplates(dir);
  } catch (err) {
    if (!(err instanceof DigestError)) throw err;
    issues.push({ path: 'templates', message: err.message });
    return undefined;
  }
}

/** Config and handlers, with every problem found so far in `issues`; undefined when the file itself is unusable. */
async function loadTypes(opts: SetupOptions, env: Env, issues: Issue[]) {
  const loaded = typeof opts.config === 'object'
    ? { config: opts.config, issues: [] }
    : loadSchedules(abs(opts.config ?? env.configPath), env.vars);
  issues.push(...loaded.issues);
  // An unreadable file or broken YAML leaves nothing further to check.
  const config = loaded.config;
  if (!config) return undefined;
  const built = buildRegistry(await loadHandlers(opts, env, config, issues));
  issues.push(...built.issues);
  issues.push(...checkShaping(config, (t) => built.registry.get(t)));
  return { config, registry: built.registry };
}

/**
 * What recording needs: the schedules file's event types (handler modules +
 * declared types) and its settings (a type's `urgent`), not its templates.
 */
export async function loadRecording(opts: SetupOptions = {}): Promise<{ config: DigestConfig; registry: Registry }> {
  const issues: Issue[] = [];
  const types = await loadTypes(opts, opts.env ?? readEnv(), issues);
  if (!types || issues.length) throw new ConfigError(issues);
  return types;
}

export const loadRegistry = async (opts: SetupOptions = {}): Promise<Registry> => (await loadRecording(opts)).registry;

/**
 * Loads config, handler modules and templates and checks them against each
 * other; opens nothing. Every problem of every part is reported in one
 * ConfigError, so ops fix the setup in one pass.
 */
export async function loadSetup(opts: SetupOptions = {}): Promise<Setup> {
  const env = opts.env ?? readEnv();
  const issues: Issue[] = [];
  const types = await loadTypes(opts, env, issues);
  if (!types) throw new ConfigError(issues);
  const { config, registry } = types;
  const renderer = tryLoadTemplates(abs(opts.templatesDir ?? env.templatesDir ?? config.templates ?? 'templates'), issues);
  if (renderer) issues.push(...crossCheck(config, (t) => registry.get(t), (n) => renderer.has(n)));
  issues.push(...checkTimeouts(config, opts.leaseMs ?? env.leaseMs));
  if (issues.length || !renderer) throw new ConfigError(issues);
  return { env, config, registry, renderer };
}
