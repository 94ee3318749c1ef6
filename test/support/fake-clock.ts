import type { Clock } from '../../src/clock.js';

/** A clock that only moves when the test says so; sleepers wake when their time comes. */
export class FakeClock implements Clock {
  private t: number;
  private sleepers: Array<{ at: number; wake: () => void }> = [];
  constructor(start: Date | string) {
    this.t = new Date(start).getTime();
  }
  now = () => new Date(this.t);
  sleep = (ms: number, signal?: AbortSignal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const entry = { at: this.t + ms, wake: resolve };
      this.sleepers.push(entry);
      signal?.addEventListener('abort', () => resolve(), { once: true });
    });
  /** Moves time forward and wakes every sleeper that is due. */
  set(to: Date | string) {
    this.t = new Date(to).getTime();
    const due = this.sleepers.filter((s) => s.at <= this.t);
    this.sleepers = this.sleepers.filter((s) => s.at > this.t);
    for (const s of due) s.wake();
  }
  advance(ms: number) {
    this.set(new Date(this.t + ms));
  }
}
