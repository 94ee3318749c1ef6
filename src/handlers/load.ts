/**
 * Imports the handler modules a schedules file names (`handlers:`), or
 * DIGEST_HANDLERS lists: each exports `handlers`, an array of
 * defineHandler(...) results. This is how a team brings its own event types
 * to `digest scheduler` without touching digest's source. Every problem
 * (cannot import, nothing usable exported) is returned, not thrown, so it is
 * reported with every other config problem at once.
 */
import { createRequire } from 'node:module';
import { isAbsolute, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Issue } from '../errors.js';
import type { Handler } from './define.js';

export interface SourcedHandler {
  handler: Handler;
  /** Where it was defined, for `digest check` and duplicate-type errors. */
  source: string;
}

const REQUIRED: Array<[keyof Handler, string]> = [
  ['type', 'string'], ['validate', 'function'], ['jsonSchema', 'function'], ['recipient', 'function'], ['render', 'function'], ['template', 'string'],
];

/** What is missing for `value` to be a Handler, or null. */
export function handlerProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return 'is not an object';
  const v = value as Record<string, unknown>;
  const missing = REQUIRED.filter(([k, t]) => typeof v[k] !== t).map(([k]) => k);
  if (missing.length) return `is not a defineHandler(...) result (missing ${missing.join(', ')})`;
  if (v.group !== 'recipient' && v.group !== 'event') return `has group ${JSON.stringify(v.group)}; it must be "recipient" or "event"`;
  return null;
}

/** A file path as ops wrote it: relative to the working directory when that is shorter. */
export const displayPath = (p: string) => (isAbsolute(p) ? (relative(process.cwd(), p).startsWith('..') ? p : `./${relative(process.cwd(), p)}`) : p);

/** A file path, or a package name resolved from the working directory (the project digest runs in) → an import() URL. */
function moduleUrl(spec: string): string {
  if (isAbsolute(spec)) return pathToFileURL(spec).href;
  return pathToFileURL(createRequire(join(process.cwd(), "noop.js")).resolve(spec)).href;
}

/** `origin` is where the list was given (`handlers` in the schedules file, or `DIGEST_HANDLERS`): problems are reported there. */
export async function importHandlerModules(specs: readonly string[], origin = 'handlers'): Promise<{ handlers: SourcedHandler[]; issues: Issue[] }> {
  const handlers: SourcedHandler[] = [];
  const issues: Issue[] = [];
  // The same module named twice is loaded once (its types are not duplicates of themselves).
  for (const spec of [...new Set(specs)]) {
    const source = displayPath(spec);
    const fail = (message: string) => issues.push({ path: origin, message: `${source}: ${message}` });
    let mod: Record<string, unknown>;
    try {
      mod = (await import(moduleUrl(spec))) as Record<string, unknown>;
    } catch (err) {
      fail(`cannot be imported (${(err as Error).message.split('\n')[0]})`);
      continue;
    }
    // An ES module's named export, or a CommonJS module's `module.exports.handlers`.
    const list = mod.handlers ?? (mod.default as Record<string, unknown> | undefined)?.handlers;
    if (!Array.isArray(list)) {
      fail('exports no `handlers` array (export const handlers = [defineHandler({...}), ...])');
      continue;
    }
    if (list.length === 0) fail('exports an empty `handlers` array');
    for (const [i, h] of list.entries()) {
      const problem = handlerProblem(h);
      if (problem) fail(`handlers[${i}] ${problem}`);
      else handlers.push({ handler: h as Handler, source });
    }
  }
  return { handlers, issues };
}
