import { renewLeases } from '../store/delivery-leases.js';
import type { RunnerContext } from './context.js';

/**
 * Keeps the leases of everything this worker holds alive: deliveries claimed
 * but not yet started (the rest of a page, the next page claimed ahead) and
 * sends in flight. A page of 1,000 deliveries at `ratePerSecond: 10`, or one
 * slow webhook, takes longer than any sensible lease; without this, recovery
 * would take over the tail (costing attempts) or re-send a message still in
 * flight. Every `leaseMs / 3` the leases are extended, fenced by their token,
 * so a delivery another worker already took over stays theirs. If this
 * process stalls (SIGSTOP, a frozen VM), the beats stop too and the leases
 * lapse as they should.
 */
export interface LeaseKeeper {
  hold(token: string, ids: readonly number[]): void;
  release(token: string, ids: readonly number[]): void;
}

const keepers = new WeakMap<RunnerContext, LeaseKeeper>();

/** The context's keeper (one per RunnerContext: all its runs and recoveries share one heartbeat). */
export function leasesOf(ctx: RunnerContext): LeaseKeeper {
  let keeper = keepers.get(ctx);
  if (!keeper) keepers.set(ctx, (keeper = createLeaseKeeper(ctx)));
  return keeper;
}

function createLeaseKeeper(ctx: RunnerContext): LeaseKeeper {
  const held = new Map<string, Set<number>>();
  let timer: NodeJS.Timeout | null = null;
  let beating = false;
  const beat = async () => {
    // A slow database must not stack renewals on top of each other.
    if (beating) return;
    beating = true;
    try {
      for (const [token, ids] of [...held]) {
        if (ids.size > 0) await renewLeases(ctx.db, token, [...ids], ctx.leaseMs, ctx.databaseNow?.());
      }
    } catch (err) {
      // The next beat tries again; the fenced writes report a lease that was lost meanwhile.
      ctx.lifecycle.emit('lease.renew_failed', { err: err instanceof Error ? err.message : String(err) });
    } finally {
      beating = false;
    }
  };
  const sync = () => {
    if (held.size > 0 && !timer) {
      timer = setInterval(() => void beat(), Math.max(1, Math.floor(ctx.leaseMs / 3)));
      // Never what keeps the process alive: shutdown ends holding anyway.
      timer.unref();
    } else if (held.size === 0 && timer) {
      clearInterval(timer);
      timer = null;
    }
  };
  return {
    hold(token, ids) {
      if (ids.length === 0) return;
      const set = held.get(token) ?? new Set<number>();
      for (const id of ids) set.add(id);
      held.set(token, set);
      sync();
    },
    release(token, ids) {
      const set = held.get(token);
      if (!set) return;
      for (const id of ids) set.delete(id);
      if (set.size === 0) held.delete(token);
      sync();
    },
  };
}
