import { isConnectionError } from '../store/errors.js';

/** Adds an item to the next commit; resolves with that item's own result. */
export type GroupCommit<I, R> = (item: I) => Promise<R>;

/**
 * Group commit: items that arrive while a commit is in flight are written
 * together by the next one, so N deliveries finishing at about the same time
 * cost one transaction (one fsync) instead of N. An idle pipeline commits each
 * item at once, so batching never adds latency.
 *
 * `flush` writes a batch in one transaction and returns a result per item.
 * If a batch fails for a reason other than a lost connection (one item the
 * database refuses, e.g. a message over max_allowed_packet), its items are
 * committed one by one, so that item fails alone.
 */
export function groupCommit<I, R>(flush: (items: I[]) => Promise<R[]>): GroupCommit<I, R> {
  let queue: Array<{ item: I; resolve: (r: R) => void; reject: (e: unknown) => void }> = [];
  let flushing = false;

  const commit = async (batch: typeof queue) => {
    try {
      const results = await flush(batch.map((q) => q.item));
      batch.forEach((q, i) => q.resolve(results[i]!));
    } catch (err) {
      if (batch.length === 1 || isConnectionError(err)) {
        for (const q of batch) q.reject(err);
        return;
      }
      for (const q of batch) await commit([q]);
    }
  };

  const drain = async () => {
    flushing = true;
    // Let items added in the same tick join the first batch.
    await Promise.resolve();
    while (queue.length > 0) {
      const batch = queue;
      queue = [];
      await commit(batch);
    }
    flushing = false;
  };

  return (item) => new Promise<R>((resolve, reject) => {
    queue.push({ item, resolve, reject });
    if (!flushing) void drain();
  });
}
