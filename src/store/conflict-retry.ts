/**
 * Conflicts are contention, not errors: a transaction (or an autocommit
 * statement) that lost a race — an InnoDB deadlock, a lock wait timeout, a
 * Galera certification failure at COMMIT — was rolled back whole, so it is
 * run again after a short, jittered pause. Under Galera this is routine:
 * row locks are local to a node, so SKIP LOCKED does not divide work between
 * nodes and two nodes' claims collide at COMMIT instead.
 *
 * Each retry is reported to the Db's conflict subscribers (the app turns it
 * into a debug-level `db.conflict` lifecycle event); only a conflict that
 * survives every attempt reaches the caller.
 */
import type { Executor } from './db.js';
import { isConflict } from './errors.js';

/** One retried conflict. `attempt` is the attempt that lost (1 = the first try). */
export interface ConflictRetried {
  scope: 'transaction' | 'statement';
  attempt: number;
  /** The driver's code (ER_LOCK_DEADLOCK, …) or errno, without the message. */
  code: string;
  retryInMs: number;
}

/** Attempts in all, the first included: with the delays below, at most about a quarter of a second of waiting. */
export const CONFLICT_ATTEMPTS = 8;

/**
 * The pause before retry `n` (1-based): 5 ms doubling to a cap of 50 ms,
 * jittered between half and all of it, so the losers of one collision do not
 * collide again in lockstep.
 */
export function conflictDelayMs(n: number, random: () => number = Math.random): number {
  const cap = Math.min(50, 5 * 2 ** (n - 1));
  return Math.round(cap / 2 + random() * (cap / 2));
}

const codeOf = (err: unknown) => {
  const e = err as { code?: unknown; errno?: unknown } | null;
  return String(e?.code ?? e?.errno ?? 'unknown');
};

export interface ConflictReporter {
  /** Subscribes to retried conflicts; returns the unsubscribe function. */
  on(fn: (c: ConflictRetried) => void): () => void;
  report(c: ConflictRetried): void;
}

export function createConflictReporter(): ConflictReporter {
  let subscribers: ReadonlyArray<(c: ConflictRetried) => void> = [];
  return {
    on(fn) {
      subscribers = [...subscribers, fn];
      return () => { subscribers = subscribers.filter((s) => s !== fn); };
    },
    report(c) {
      // An observer must never break the retry it observes.
      for (const fn of subscribers) try { fn(c); } catch { /* ignored */ }
    },
  };
}

export interface RetryOptions {
  attempts?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `work` until it does not lose a race, at most `attempts` times.
 * `work` must be safe to run again after a conflict: a whole transaction, or
 * one autocommit statement (both rolled back whole by the database).
 */
export async function retryConflicts<T>(
  scope: ConflictRetried['scope'], reporter: ConflictReporter, work: () => Promise<T>, opts: RetryOptions = {},
): Promise<T> {
  const attempts = opts.attempts ?? CONFLICT_ATTEMPTS;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (attempt >= attempts || !isConflict(err)) throw err;
      const retryInMs = conflictDelayMs(attempt, opts.random);
      reporter.report({ scope, attempt, code: codeOf(err), retryInMs });
      await (opts.sleep ?? pause)(retryInMs);
    }
  }
}

/**
 * The pool's own executor, each statement retried on conflict: outside a
 * transaction every statement is its own (autocommit) transaction, so one
 * that lost a race did nothing and may run again — record()'s INSERT under
 * Galera, say. Never wrap an executor inside a transaction (ours or a
 * caller's): there a conflict rolled back more than the statement.
 */
export function retryingExecutor(ex: Executor, reporter: ConflictReporter, opts: RetryOptions = {}): Executor {
  return {
    dialect: ex.dialect,
    all: <T>(sql: string, params?: readonly unknown[]) => retryConflicts('statement', reporter, () => ex.all<T>(sql, params), opts),
    run: (sql, params) => retryConflicts('statement', reporter, () => ex.run(sql, params), opts),
  };
}
