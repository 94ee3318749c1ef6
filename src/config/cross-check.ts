import type { Issue } from '../errors.js';
import type { Handler } from '../handlers/define.js';
import type { DigestConfig } from './types.js';

/**
 * What the schedules file alone cannot tell: every configured type has a
 * handler and every handler's template exists.
 * Returns all problems; the caller refuses to start on any.
 */
/**
 * A send that may take longer than a lease: the lease keeper renews leases
 * while a send is in flight, but only while this process runs its heartbeat;
 * a timeout past the lease means a stalled send can outlive a lease that
 * another worker then takes over, and the message goes out twice.
 */
export function checkTimeouts(config: DigestConfig, leaseMs: number): Issue[] {
  return Object.values(config.transports).flatMap((t) => (t.kind === 'webhook' && t.timeoutMs > leaseMs
    ? [{ path: `transports.${t.name}.timeoutMs`, message: `${t.timeoutMs} ms exceeds the lease (DIGEST_LEASE_SECONDS=${leaseMs / 1000}): lower it or raise the lease` }]
    : []));
}

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
