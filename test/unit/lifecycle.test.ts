import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createLifecycle, type LifecycleEvent } from '../../src/lifecycle.js';
import { lifecycleLine, logLifecycle } from '../../src/lifecycle-log.js';
import { nextEvent } from '../support/events.js';

const sent = { deliveryId: 7, type: 'Order.Created', attempt: 0, events: 3, transport: 'mail', sendMs: 12 };

describe('lifecycle emitter', () => {
  it('calls the subscribers of a name with its fields, and wildcard ones with name and fields', () => {
    const lc = createLifecycle();
    const named: number[] = [];
    const all: LifecycleEvent[] = [];
    lc.on('delivery.sent', (f) => named.push(f.deliveryId));
    lc.on('*', (e) => all.push(e));
    lc.emit('delivery.sent', sent);
    lc.emit('transport.up', { transport: 'mail', downMs: 5 });
    expect(named).toEqual([7]);
    expect(all.map((e) => e.name)).toEqual(['delivery.sent', 'transport.up']);
    const e = all[1]!;
    // Narrowed by name: `downMs` is typed.
    if (e.name === 'transport.up') expect(e.fields.downMs).toBe(5);
  });

  it('unsubscribe stops one subscription, once; unsubscribing during an emit does not skip the others', () => {
    const lc = createLifecycle();
    const calls: string[] = [];
    const fn = () => void calls.push('fn');
    const offA = lc.on('prune.done', fn);
    lc.on('prune.done', fn);
    const offSelf: () => void = lc.on('prune.done', () => { calls.push('self'); offSelf(); });
    lc.on('prune.done', () => void calls.push('last'));
    lc.emit('prune.done', { events: 1, deliveries: 0, runs: 0 });
    expect(calls).toEqual(['fn', 'fn', 'self', 'last']);
    calls.length = 0;
    offA();
    offA();
    lc.emit('prune.done', { events: 1, deliveries: 0, runs: 0 });
    expect(calls).toEqual(['fn', 'last']);
  });

  it('a throwing subscriber breaks neither the emitter nor the other subscribers, and is reported once', async () => {
    const reported: Array<[string, string]> = [];
    const lc = createLifecycle({ onSubscriberError: (err, name) => reported.push([name, (err as Error).message]) });
    const got: number[] = [];
    lc.on('delivery.sent', () => { throw new Error('boom'); });
    lc.on('delivery.sent', async () => { throw new Error('async boom'); });
    lc.on('delivery.sent', (f) => void got.push(f.deliveryId));
    expect(() => lc.emit('delivery.sent', sent)).not.toThrow();
    lc.emit('delivery.sent', { ...sent, deliveryId: 8 });
    await new Promise((r) => setImmediate(r));
    expect(got).toEqual([7, 8]);
    expect(reported).toEqual([['delivery.sent', 'boom'], ['delivery.sent', 'async boom']]);
  });

  it('emitting with no subscriber is cheap', () => {
    const lc = createLifecycle();
    const started = performance.now();
    for (let i = 0; i < 1_000_000; i++) lc.emit('delivery.sent', sent);
    // A million emits well under a second (about 10 ms on a laptop): nothing per emit but a lookup.
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('nextEvent resolves with the first matching event and unsubscribes; it times out otherwise', async () => {
    const lc = createLifecycle();
    const waiting = nextEvent(lc, 'delivery.sent', (f) => f.deliveryId === 8);
    lc.emit('delivery.sent', sent);
    lc.emit('delivery.sent', { ...sent, deliveryId: 8 });
    await expect(waiting).resolves.toMatchObject({ deliveryId: 8 });
    await expect(nextEvent(lc, 'transport.up', undefined, 20)).rejects.toThrow(/no transport.up within 20 ms/);
  });
});

describe('lifecycle log subscriber', () => {
  const capture = (level = 'info') => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino({ level, base: undefined, timestamp: false }, { write: (l: string) => void lines.push(JSON.parse(l)) });
    return { logger, lines };
  };

  it('writes the documented line for an event: evt, fields and level as before, nothing kept for other subscribers', () => {
    const { logger, lines } = capture();
    const lc = createLifecycle();
    logLifecycle(lc, logger);
    lc.emit('delivery.sent', sent);
    lc.emit('run.started', { type: 'Order.Created', trigger: 'tick', runId: 4, slotAt: new Date('2026-11-21T08:00:00Z') });
    lc.emit('delivery.failed', { deliveryId: 2, type: 'Order.Created', attempt: 1, stage: 'send', retryInMs: 10_000, err: 'SMTP 451' });
    expect(lines).toEqual([
      { level: 30, deliveryId: 7, type: 'Order.Created', attempt: 0, evt: 'delivery.sent', events: 3 },
      { level: 30, type: 'Order.Created', trigger: 'tick', evt: 'run.started', runId: 4, slotAt: '2026-11-21T08:00:00.000Z' },
      { level: 40, deliveryId: 2, type: 'Order.Created', attempt: 1, evt: 'delivery.failed', stage: 'send', retryInMs: 10_000, err: 'SMTP 451' },
    ]);
    // Same key order as the lines the modules wrote themselves.
    expect(Object.keys(lines[0]!)).toEqual(['level', 'deliveryId', 'type', 'attempt', 'evt', 'events']);
  });

  it('debug events are written only at debug level', () => {
    const deferred = { deliveryId: 3, type: 'Order.Created', attempt: 0, retryInMs: 900, reason: 'ECONNREFUSED' };
    for (const level of ['info', 'debug']) {
      const { logger, lines } = capture(level);
      const lc = createLifecycle();
      logLifecycle(lc, logger);
      lc.emit('delivery.deferred', deferred);
      expect(lines).toHaveLength(level === 'debug' ? 1 : 0);
    }
    expect(lifecycleLine({ name: 'delivery.deferred', fields: deferred })[0]).toBe('debug');
  });

  it('contention is never logged as an error: a retried conflict at debug, a contended loop at warn', () => {
    const conflict = { scope: 'transaction', attempt: 2, code: 'ER_LOCK_DEADLOCK', retryInMs: 12 } as const;
    expect(lifecycleLine({ name: 'db.conflict', fields: conflict })).toEqual(['debug', { evt: 'db.conflict', ...conflict }]);
    expect(lifecycleLine({ name: 'loop.contended', fields: { loop: 'immediate', code: 'ER_LOCK_DEADLOCK' } }))
      .toEqual(['warn', { evt: 'loop.contended', loop: 'immediate', code: 'ER_LOCK_DEADLOCK' }]);
    // A run that lost every retry of a conflict: warn; any other break-off stays an error.
    const run = { type: 'Order.Created', trigger: 'immediate', runId: 6, err: 'Deadlock found when trying to get lock', durationMs: 3 } as const;
    expect(lifecycleLine({ name: 'run.failed', fields: { ...run, contended: true } }))
      .toEqual(['warn', { type: 'Order.Created', trigger: 'immediate', evt: 'run.failed', runId: 6, err: run.err, contended: true }]);
    expect(lifecycleLine({ name: 'run.failed', fields: { ...run, err: 'connect ECONNREFUSED', contended: false } })[0]).toBe('error');
  });
});
