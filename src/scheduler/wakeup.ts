import type { Clock } from '../clock.js';

/**
 * An in-process nudge for one immediate loop: this process just committed
 * events of its type, so poll now instead of at the end of the idle sleep.
 * A flag, not a promise that exists only while the loop sleeps: a wake that
 * arrives while a pass is running is kept, and the loop runs again right
 * after that pass (the pass may have claimed before the wake's insert was
 * committed). Events recorded by other processes still arrive by polling.
 */
export class Wakeup {
  private pending = false;
  private sleeping: AbortController | undefined;

  /** Called after the insert has committed; cheap, and safe to call often. */
  wake(): void {
    this.pending = true;
    this.sleeping?.abort();
  }

  /**
   * Called just before a pass claims: a wake that came before this point is
   * covered by that pass (its insert committed before the claim reads), so
   * it is dropped; one that comes later stays set for the next pass.
   */
  take(): boolean {
    const was = this.pending;
    this.pending = false;
    return was;
  }

  /** Sleeps `ms` on `clock`, unless a wake is pending or arrives meanwhile, or `signal` aborts. */
  async sleep(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
    if (this.pending || signal.aborted) return;
    const sleeping = new AbortController();
    const stop = () => sleeping.abort();
    signal.addEventListener('abort', stop, { once: true });
    this.sleeping = sleeping;
    try {
      await clock.sleep(ms, sleeping.signal);
    } finally {
      this.sleeping = undefined;
      signal.removeEventListener('abort', stop);
    }
  }
}
