import type { DigestConfig } from '../config/types.js';
import type { Issue } from '../errors.js';
import type { Handler } from './define.js';

/**
 * What the schedules file alone cannot tell: every configured type has a
 * handler and every handler's template exists.
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
    // A declared type without a handler already had its declaration's problems reported.
    if (!handler && config.events[type]?.declared) continue;
    if (!handler) {
      issues.push({ path: `events.${type}`, message: `no handler for event type "${type}": name a module that defines it under handlers:, or declare it here (recipient, template, payload)` });
    } else if (!hasTemplate(handler.template)) {
      issues.push({ path: `events.${type}${config.events[type]?.declared ? '.template' : ''}`, message: `template "${handler.template}" is missing (expected ${handler.template}.text.hbs, .html.hbs or .subject.hbs)` });
    }
  }
  return issues;
}
