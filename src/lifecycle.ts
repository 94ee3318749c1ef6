/**
 * Lifecycle events: what the runner, the scheduler and the service report
 * happened, emitted from one seam (Solid Queue's instrumentation,
 * graphile-worker's event monitor). Logs (lifecycle-log.ts) and Prometheus
 * metrics (http/metrics.ts) are subscribers wired in the composition root;
 * tests await events instead of polling output. A leaf module: it imports
 * only the shared vocabulary.
 *
 * Fields carry ids, types, counts and durations — never payloads or
 * addresses (the log subscriber writes them at info level).
 */
import type { RunCounts, RunTrigger } from './types.js';

interface RunFields {
  type: string;
  trigger: RunTrigger;
}

interface DeliveryFields {
  deliveryId: number;
  type: string;
  /** Attempts the delivery had used when it was claimed. */
  attempt: number;
}

/** Every lifecycle event, by name, with its fields. */
export interface LifecycleEvents {
  /** A run row was inserted (a slot's run), or an unslotted run claimed its first page. */
  'run.started': RunFields & { runId: number; slotAt?: Date };
  /** A claim transaction committed: `events` taken into `deliveries` (counts claims against `db.conflict`). */
  'page.claimed': { type: string; runId: number; events: number; deliveries: number; lane?: string };
  /** The slot already ran, or runs, elsewhere (another replica, a restart). */
  'run.skipped': RunFields & { slotAt: Date; reason: string };
  /** An unfinished slot run (broken off, stopped, owner gone) was taken over. */
  'run.resumed': RunFields & { runId: number; slotAt: Date };
  /** A run recorded its outcome. Only runs that have a row: empty polls are not runs. */
  'run.finished': RunFields & RunCounts & { runId: number; status: 'succeeded' | 'failed' | 'stopped'; durationMs: number };
  /** The run itself broke off (its claim or a store write threw); `contended`: it kept losing races with other schedulers. */
  'run.failed': RunFields & { runId: number; err: string; durationMs: number; contended: boolean };
  /** The transport accepted it and its sent-mark is committed. `sendMs`: the transport's own time. */
  'delivery.sent': DeliveryFields & { events: number; transport: string; sendMs: number };
  /** Failed; retried after `retryInMs`. */
  'delivery.failed': DeliveryFields & { stage: string; retryInMs: number | null; err: string };
  /** Failed for good (permanent rejection, render failure, attempts used up). */
  'delivery.dead': DeliveryFields & { stage: string; retryInMs: number | null; err: string };
  /** Not sent, for good: its address is suppressed (`reason`: bounce, complaint, manual), or its recipient turned the type off (`preference off`, born so at claim). Marked `suppressed`, its events stamped. */
  'delivery.suppressed': DeliveryFields & { events: number; reason: string; transport: string };
  /** Not sent: its transport is down. Waits without costing an attempt. */
  'delivery.deferred': DeliveryFields & { retryInMs: number; reason: string };
  /** Events its handler cannot render were split off into a dead delivery of their own. */
  'delivery.split': DeliveryFields & { deadDeliveryId: number; events: number[] };
  /** A failed delivery whose backoff elapsed (or whose lease expired mid-send) is tried again. */
  'delivery.retrying': DeliveryFields;
  /** A pending delivery never sent (handed back, waited out an outage) is taken up again. */
  'delivery.resumed': DeliveryFields;
  /** Stored rendered and `ready` for a pull transport's consumers (runner/pull.ts) instead of sent. */
  'delivery.ready': DeliveryFields & { events: number; transport: string };
  /** A pull consumer leased `deliveries` of `transport` for `visibilityMs`. */
  'pull.leased': { transport: string; deliveries: number; visibilityMs: number };
  /** A sent delivery was re-sent as stored (`digest replay`). */
  'delivery.replayed': { deliveryId: number; type: string; transport: string };
  /** A one-click unsubscribe link was followed: the recipient's preference for `type` is now `off` (no recipient: it may be an address). */
  'recipient.unsubscribed': { type: string };
  'lease.renew_failed': { err: string };
  /** The first send that found the transport unreachable; `code` is the short reason. */
  'transport.down': { transport: string; code: string; err: string };
  /** A probe send was answered after `downMs`. */
  'transport.up': { transport: string; downMs: number };
  /** A scheduler loop's pass threw (once per change of state, not per pass). */
  'loop.failing': { loop: string; err: string };
  'loop.recovered': { loop: string; failures: number };
  /**
   * A loop's pass lost a race with another scheduler (a deadlock or Galera
   * certification conflict) every time it was retried: contention, not a
   * failure; the next pass runs after a short pause. Once per streak.
   */
  'loop.contended': { loop: string; code: string };
  /** A transaction or statement lost a race (deadlock, lock wait, Galera certification) and is run again. */
  'db.conflict': { scope: 'transaction' | 'statement'; attempt: number; code: string; retryInMs: number };
  /** Rows deleted by one retention pass (only when something was). */
  'prune.done': { events: number; deliveries: number; runs: number };
  'scheduler.started': { owner: string; types: string[] };
  'scheduler.signal': { signal: string };
  'scheduler.stopping': { graceMs: number };
  /** In-flight sends did not finish within the grace period; their leases hand them on. */
  'scheduler.grace_expired': { graceMs: number };
  'scheduler.stopped': { owner: string };
}

export type LifecycleEventName = keyof LifecycleEvents;

/** One event as a `'*'` subscriber sees it: switch on `name` and `fields` is typed. */
export type LifecycleEvent = { [K in LifecycleEventName]: { name: K; fields: LifecycleEvents[K] } }[LifecycleEventName];

export interface LifecycleSubscriptions {
  /** Subscribes to one event, or to all (`'*'`). Returns the unsubscribe function. */
  on<K extends LifecycleEventName>(name: K, fn: (fields: LifecycleEvents[K]) => void): () => void;
  on(name: '*', fn: (event: LifecycleEvent) => void): () => void;
}

export interface Lifecycle extends LifecycleSubscriptions {
  emit<K extends LifecycleEventName>(name: K, fields: LifecycleEvents[K]): void;
}

export interface LifecycleOptions {
  /** Told once per subscriber, the first time it throws (later throws are swallowed silently). */
  onSubscriberError?: (err: unknown, name: LifecycleEventName) => void;
}

type AnyFn = (arg: never) => unknown;

/** Drops one subscription (the same function subscribed twice is called twice, and unsubscribed once per call). */
const without = (list: readonly AnyFn[], fn: AnyFn) => {
  const i = list.indexOf(fn);
  return i < 0 ? list : [...list.slice(0, i), ...list.slice(i + 1)];
};

export function createLifecycle(opts: LifecycleOptions = {}): Lifecycle {
  // Arrays replaced, never mutated: an (un)subscribe during an emit does not
  // change the list that emit is walking.
  const byName = new Map<string, readonly AnyFn[]>();
  let wildcard: readonly AnyFn[] = [];
  const reported = new WeakSet<AnyFn>();

  // A subscriber is an observer: whatever it does wrong must never break the
  // run, the send or the loop that emitted.
  const call = (fn: AnyFn, arg: unknown, name: LifecycleEventName) => {
    try {
      const r = (fn as (a: unknown) => unknown)(arg);
      if (r instanceof Promise) r.catch((err) => failed(fn, err, name));
    } catch (err) {
      failed(fn, err, name);
    }
  };
  const failed = (fn: AnyFn, err: unknown, name: LifecycleEventName) => {
    if (reported.has(fn)) return;
    reported.add(fn);
    try {
      opts.onSubscriberError?.(err, name);
    } catch {
      // Nowhere left to report it.
    }
  };

  return {
    emit(name, fields) {
      // The hot path (thousands of deliveries a second): with no subscriber
      // this is one map lookup and one length check.
      const named = byName.get(name);
      if (named) for (const fn of named) call(fn, fields, name);
      if (wildcard.length > 0) {
        const event = { name, fields };
        for (const fn of wildcard) call(fn, event, name);
      }
    },
    on(name: string, fn: AnyFn) {
      if (name === '*') wildcard = [...wildcard, fn];
      else byName.set(name, [...(byName.get(name) ?? []), fn]);
      let subscribed = true;
      return () => {
        if (!subscribed) return;
        subscribed = false;
        if (name === '*') wildcard = without(wildcard, fn);
        else {
          const rest = without(byName.get(name) ?? [], fn);
          if (rest.length > 0) byName.set(name, rest);
          else byName.delete(name);
        }
      };
    },
  };
}
