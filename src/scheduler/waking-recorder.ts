import type { Recorder } from '../record.js';

/**
 * The recorder a running scheduler hands to its HTTP API and its embedder:
 * after a record()/recordMany() has committed, the immediate loop of each
 * type recorded is woken (`wake`), so an event recorded in this process is
 * claimed at once instead of at the next poll.
 *
 * Not with `{ tx }`: the commit is the caller's and comes later, so a wake
 * now would find nothing committed to claim (the rows are invisible or
 * locked to the claim) and the loop would go back to sleep. Such events
 * arrive by the next poll, like events recorded by another process. A
 * failed record wakes nothing: nothing was written.
 */
export function wakingRecorder(recorder: Recorder, wake: (type: string) => void): Recorder {
  return {
    async record(type, payload, opts) {
      const id = await recorder.record(type, payload, opts);
      if (opts?.tx == null) wake(type);
      return id;
    },
    async recordMany(events, opts) {
      const ids = await recorder.recordMany(events, opts);
      if (opts?.tx == null) for (const type of new Set(events.map((e) => e.type))) wake(type);
      return ids;
    },
  };
}
