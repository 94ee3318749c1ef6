import type { Issue } from '../errors.js';
import type { Handler } from '../handlers/define.js';
import type { DigestConfig } from './types.js';

const IMPLEMENTED_TRANSPORTS = new Set(['console', 'file']);

/**
 * What the schedules file alone cannot tell: every configured type has a
 * handler, every handler's template exists, every transport kind is built.
 * Returns all problems; the caller refuses to start on any.
 */
export function crossCheck(
  config: DigestConfig,
  handlerFor: (type: string) => Handler | undefined,
  hasTemplate: (name: string) => boolean,
): Issue[] {
  const issues: Issue[] = [];
  for (const type of Object.keys(config.events)) {
    const handler = handlerFor(type);
    if (!handler) {
      issues.push({ path: `events.${type}`, message: `no handler is registered for event type "${type}" (src/handlers/index.ts)` });
    } else if (!hasTemplate(handler.template)) {
      issues.push({ path: `events.${type}`, message: `template "${handler.template}" is missing (expected ${handler.template}.text.hbs, .html.hbs or .subject.hbs)` });
    }
  }
  for (const [name, t] of Object.entries(config.transports)) {
    if (!IMPLEMENTED_TRANSPORTS.has(t.kind)) issues.push({ path: `transports.${name}.kind`, message: `transport kind "${t.kind}" is not available yet` });
  }
  return issues;
}
