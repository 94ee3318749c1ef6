/**
 * The log subscriber: one pino line per lifecycle event, exactly the lines
 * the README documents and the process-level tests read from stderr — the
 * same `evt`, fields, key order and level as when each module logged for
 * itself. Fields kept for other subscribers (durations, transport, status)
 * stay out of the line unless they were in it before.
 */
import type { LifecycleEvent, LifecycleEventName, LifecycleEvents, LifecycleSubscriptions } from './lifecycle.js';
import type { Logger } from './log.js';

type Level = 'debug' | 'info' | 'warn' | 'error';
type Line = [Level, Record<string, unknown>];
type Entry<K extends LifecycleEventName> = [Level | ((f: LifecycleEvents[K]) => Level), (f: LifecycleEvents[K]) => Record<string, unknown>];

const iso = (d: Date | undefined) => d?.toISOString();

/** Every event's line. A mapped type: an event without one does not compile. */
const LINES: { [K in LifecycleEventName]: Entry<K> } = {
  'run.started': ['info', (f) => ({ type: f.type, trigger: f.trigger, evt: 'run.started', runId: f.runId, slotAt: iso(f.slotAt) })],
  // Debug only: one per claim transaction; with db.conflict it gives the conflict rate per claim.
  'page.claimed': ['debug', (f) => ({ type: f.type, evt: 'page.claimed', runId: f.runId, events: f.events, deliveries: f.deliveries, lane: f.lane })],
  'run.skipped': ['info', (f) => ({ type: f.type, trigger: f.trigger, evt: 'run.skipped', slotAt: iso(f.slotAt), reason: f.reason })],
  'run.resumed': ['info', (f) => ({ type: f.type, trigger: f.trigger, evt: 'run.resumed', runId: f.runId, slotAt: iso(f.slotAt) })],
  'run.finished': ['info', (f) => ({
    type: f.type, trigger: f.trigger, evt: 'run.finished', runId: f.runId,
    eventsClaimed: f.eventsClaimed, deliveriesCreated: f.deliveriesCreated, deliveriesSent: f.deliveriesSent, deliveriesFailed: f.deliveriesFailed,
  })],
  // A run that lost every retry to other schedulers (Galera certification, deadlocks) is contention, not an error.
  'run.failed': [(f) => (f.contended ? 'warn' : 'error'), (f) => ({
    type: f.type, trigger: f.trigger, evt: 'run.failed', runId: f.runId, err: f.err, ...(f.contended ? { contended: true } : {}),
  })],
  'delivery.sent': ['info', (f) => ({ deliveryId: f.deliveryId, type: f.type, attempt: f.attempt, evt: 'delivery.sent', events: f.events })],
  'delivery.failed': ['warn', (f) => ({ deliveryId: f.deliveryId, type: f.type, attempt: f.attempt, evt: 'delivery.failed', stage: f.stage, retryInMs: f.retryInMs, err: f.err })],
  'delivery.dead': ['warn', (f) => ({ deliveryId: f.deliveryId, type: f.type, attempt: f.attempt, evt: 'delivery.dead', stage: f.stage, retryInMs: f.retryInMs, err: f.err })],
  // No address: the delivery id leads to it for those allowed to see it.
  'delivery.suppressed': ['info', (f) => ({ deliveryId: f.deliveryId, type: f.type, attempt: f.attempt, evt: 'delivery.suppressed', events: f.events, reason: f.reason })],
  // Debug only: while a transport is down, its one `transport.down` line says it for every delivery.
  'delivery.deferred': ['debug', (f) => ({ deliveryId: f.deliveryId, type: f.type, attempt: f.attempt, evt: 'delivery.deferred', retryInMs: f.retryInMs, reason: f.reason })],
  'delivery.split': ['warn', (f) => ({ deliveryId: f.deliveryId, type: f.type, attempt: f.attempt, evt: 'delivery.split', deadDeliveryId: f.deadDeliveryId, events: f.events })],
  'delivery.retrying': ['info', (f) => ({ evt: 'delivery.retrying', deliveryId: f.deliveryId, type: f.type, attempt: f.attempt })],
  // Debug only: after an outage thousands of unsent deliveries are taken up again, and none of them is a retry.
  'delivery.resumed': ['debug', (f) => ({ evt: 'delivery.resumed', deliveryId: f.deliveryId, type: f.type, attempt: f.attempt })],
  // Debug only: the consumer's ack logs delivery.sent, its nack delivery.failed or delivery.dead.
  'delivery.ready': ['debug', (f) => ({ evt: 'delivery.ready', deliveryId: f.deliveryId, type: f.type, attempt: f.attempt, transport: f.transport })],
  'pull.leased': ['debug', (f) => ({ evt: 'pull.leased', transport: f.transport, deliveries: f.deliveries, visibilityMs: f.visibilityMs })],
  'delivery.replayed': ['info', (f) => ({ evt: 'delivery.replayed', deliveryId: f.deliveryId, type: f.type, transport: f.transport })],
  'recipient.unsubscribed': ['info', (f) => ({ evt: 'recipient.unsubscribed', type: f.type })],
  'lease.renew_failed': ['warn', (f) => ({ evt: 'lease.renew_failed', err: f.err })],
  'transport.down': ['warn', (f) => ({ transport: f.transport, evt: 'transport.down', code: f.code, err: f.err })],
  'transport.up': ['info', (f) => ({ transport: f.transport, evt: 'transport.up', downMs: f.downMs })],
  'loop.failing': ['error', (f) => ({ evt: 'loop.failing', loop: f.loop, err: f.err })],
  'loop.recovered': ['info', (f) => ({ evt: 'loop.recovered', loop: f.loop, failures: f.failures })],
  // Contention between schedulers (Galera certification conflicts are routine), never an error.
  'loop.contended': ['warn', (f) => ({ evt: 'loop.contended', loop: f.loop, code: f.code })],
  'db.conflict': ['debug', (f) => ({ evt: 'db.conflict', scope: f.scope, attempt: f.attempt, code: f.code, retryInMs: f.retryInMs })],
  'prune.done': ['info', (f) => ({ evt: 'prune.done', events: f.events, deliveries: f.deliveries, runs: f.runs })],
  'scheduler.started': ['info', (f) => ({ evt: 'scheduler.started', owner: f.owner, types: f.types })],
  'scheduler.signal': ['info', (f) => ({ evt: 'scheduler.signal', signal: f.signal })],
  'scheduler.stopping': ['info', (f) => ({ evt: 'scheduler.stopping', graceMs: f.graceMs })],
  'scheduler.grace_expired': ['error', (f) => ({ evt: 'scheduler.grace_expired', graceMs: f.graceMs })],
  'scheduler.stopped': ['info', (f) => ({ evt: 'scheduler.stopped', owner: f.owner })],
};

/** The line an event is logged as (level and object). */
export function lifecycleLine(event: LifecycleEvent): Line {
  const [level, line] = LINES[event.name] as Entry<LifecycleEventName>;
  return [levelOf(level, event.fields), line(event.fields as never)];
}

const levelOf = (level: Entry<LifecycleEventName>[0], fields: unknown): Level => (typeof level === 'function' ? level(fields as never) : level);

/** Logs every lifecycle event through `logger`. Returns the unsubscribe function. */
export function logLifecycle(lifecycle: LifecycleSubscriptions, logger: Logger): () => void {
  return lifecycle.on('*', (event) => {
    const [entry, line] = LINES[event.name] as Entry<LifecycleEventName>;
    const level = levelOf(entry, event.fields);
    // Built only when written: deferred/resumed lines come by the thousand during an outage, at debug.
    if (logger.isLevelEnabled(level)) logger[level](line(event.fields as never));
  });
}
