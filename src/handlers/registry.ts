/**
 * The handler registry: built once at start (src/app.ts loadSetup) from, in
 * this order of precedence, the handlers passed in code, the modules named by
 * DIGEST_HANDLERS, or those named by `handlers:` in the schedules file — plus
 * the types declared in the schedules file itself. The core imports no
 * concrete type: the shop types are an example loaded the same way.
 */
import { ConfigError, UnknownEventTypeError, type Issue } from '../errors.js';
import type { Handler } from './define.js';
import type { SourcedHandler } from './load.js';

/** Looks handlers up by event type. */
export interface Registry {
  get(type: string): Handler | undefined;
  /** Like `get`, but throws UnknownEventTypeError naming every known type. */
  require(type: string): Handler;
  types(): string[];
  /** Where a type's handler came from (a module path, `schedules file`, `code`). */
  source(type: string): string | undefined;
}

/** Builds the registry; a type defined twice is an issue naming both places. */
export function buildRegistry(list: readonly SourcedHandler[]): { registry: Registry; issues: Issue[] } {
  const byType = new Map<string, SourcedHandler>();
  const issues: Issue[] = [];
  for (const entry of list) {
    // Two handlers for one type would make "which render ran?" depend on
    // load order; refuse at start instead.
    const first = byType.get(entry.handler.type);
    if (first) {
      issues.push({ path: 'handlers', message: `event type "${entry.handler.type}" is defined twice: in ${first.source} and in ${entry.source}` });
      continue;
    }
    byType.set(entry.handler.type, entry);
  }
  const types = () => [...byType.keys()].sort();
  const registry: Registry = {
    get: (type) => byType.get(type)?.handler,
    require(type) {
      const entry = byType.get(type);
      if (!entry) throw new UnknownEventTypeError(type, types());
      return entry.handler;
    },
    types,
    source: (type) => byType.get(type)?.source,
  };
  return { registry, issues };
}

/** A registry of handlers given in code; a duplicate type throws ConfigError. */
export function createRegistry(list: readonly Handler[]): Registry {
  const { registry, issues } = buildRegistry(list.map((handler) => ({ handler, source: 'code' })));
  if (issues.length) throw new ConfigError(issues);
  return registry;
}
