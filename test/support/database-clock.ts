/**
 * Injected database time for tests (RunnerContext.databaseNow, River's
 * stubbable time). Until moved it is the database clock itself. `advance`
 * puts it ahead of this host's clock (which the local test database shares)
 * and it keeps running from there; `set` stops it at one instant, for tests
 * of an exact boundary. Either way every lease, due time, backoff and age is
 * compared against it: tests move it instead of sleeping.
 */
export class DatabaseClock {
  private fixed: number | undefined;
  private offsetMs = 0;
  /** Pass as AppOptions.databaseNow (or set on a RunnerContext). */
  readonly now = (): Date | undefined => {
    if (this.fixed != null) return new Date(this.fixed);
    return this.offsetMs === 0 ? undefined : new Date(Date.now() + this.offsetMs);
  };
  set(to: Date) {
    this.fixed = to.getTime();
  }
  advance(ms: number) {
    if (this.fixed != null) this.fixed += ms;
    else this.offsetMs += ms;
  }
}
