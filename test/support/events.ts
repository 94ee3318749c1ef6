import type { LifecycleEventName, LifecycleEvents, LifecycleSubscriptions } from '../../src/lifecycle.js';

/**
 * Resolves with the fields of the next `name` event that matches `predicate`,
 * from any of the given lifecycles (several apps racing for one slot).
 * Subscribes at once: call it BEFORE the action that emits, then await it.
 */
export function nextEvent<K extends LifecycleEventName>(
  lifecycles: LifecycleSubscriptions | readonly LifecycleSubscriptions[], name: K,
  predicate: (fields: LifecycleEvents[K]) => boolean = () => true, timeoutMs = 10_000,
): Promise<LifecycleEvents[K]> {
  return new Promise((resolve, reject) => {
    const offs: Array<() => void> = [];
    const end = () => { clearTimeout(timer); for (const off of offs) off(); };
    const timer = setTimeout(() => {
      end();
      reject(new Error(`nextEvent: no ${name} within ${timeoutMs} ms`));
    }, timeoutMs);
    for (const lc of Array.isArray(lifecycles) ? lifecycles : [lifecycles]) {
      offs.push(lc.on(name, (fields: LifecycleEvents[K]) => {
        if (!predicate(fields)) return;
        end();
        resolve(fields);
      }));
    }
  });
}

/** Every event of `name` from now on, in order (for counting; `stop()` unsubscribes). */
export function collectEvents<K extends LifecycleEventName>(lifecycle: LifecycleSubscriptions, name: K) {
  const seen: Array<LifecycleEvents[K]> = [];
  const stop = lifecycle.on(name, (fields) => void seen.push(fields));
  return { seen, stop };
}
