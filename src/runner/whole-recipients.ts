import type { Executor } from '../store/db.js';
import { lockEventsById, type EventKey } from '../store/event-claims.js';
import type { StoredEvent } from '../types.js';

/**
 * SKIP LOCKED divides rows, not recipients: a tick and a `run now` of one
 * type claiming at the same instant each lock a share of the same
 * recipient's events, and the recipient would get two digests. A recipient
 * that came back in part (fewer of its events locked than the claim read
 * as outstanding) has the rest locked again, waiting for the other claim,
 * so it ends up wholly in one claim or the other: if both wait for each
 * other, the engine breaks the deadlock by rolling one back (Db.transaction
 * retries it) and the other takes the recipient. A recipient that came back
 * with none is the other claim's alone. SQLite serialises claims (BEGIN
 * IMMEDIATE), so nothing there is ever locked in part.
 */
export async function wholeRecipients(
  tx: Executor, type: string, keys: readonly EventKey[], locked: StoredEvent[],
): Promise<StoredEvent[]> {
  if (tx.dialect !== 'mysql' || locked.length === keys.length) return locked;
  const have = new Set(locked.map((e) => e.id));
  const partial = new Set(locked.map((e) => e.recipient));
  const missing = keys.filter((k) => !have.has(k.id) && partial.has(k.recipient)).map((k) => k.id);
  if (missing.length === 0) return locked;
  return [...locked, ...await lockEventsById(tx, type, missing, true)];
}
