/** What the skip-locked probe saw, and what digest makes of it (pure: no database here). */
export type SkipLockedObservation =
  /** The second connection did not get the row the first one held: locks are honoured. */
  | 'skipped'
  /** It got the row: the engine took no lock (TiDB, Dolt). */
  | 'returned'
  /** It waited for the lock instead of skipping it. */
  | 'waited';

/** null when the engine is fit to run digest; otherwise the one line that says why not. */
export function skipLockedProblem(seen: SkipLockedObservation): string | null {
  if (seen === 'skipped') return null;
  const what = seen === 'returned'
    ? 'a row locked FOR UPDATE by one connection was returned to another by SELECT … FOR UPDATE SKIP LOCKED (the engine accepts the clause but takes no lock, as TiDB and Dolt do)'
    : 'SELECT … FOR UPDATE SKIP LOCKED waited for a row another connection had locked instead of skipping it';
  return `this database does not skip locked rows: ${what}. Two schedulers would claim the same events; digest needs MySQL 8 or MariaDB ≥ 10.6`;
}
