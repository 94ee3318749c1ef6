import type { Executor } from '../store/db.js';
import { lockOutstandingEventsWaiting, type OutstandingEvent, type OutstandingRecipient } from '../store/events.js';

/**
 * SKIP LOCKED divides rows, not recipients: a tick and a `run now` of one
 * type claiming at the same instant each lock a share of the same
 * recipient's events, and the recipient would get two digests. A recipient
 * that came back in part (fewer events locked than were outstanding when
 * the page was picked) is read again, waiting for the other claim, so it
 * ends up wholly in one claim or the other. One that came back with none is
 * the other claim's alone and needs nothing. SQLite serialises claims
 * (BEGIN IMMEDIATE), so nothing there is ever locked in part.
 */
export async function wholeRecipients(
  tx: Executor, type: string, page: readonly OutstandingRecipient[], locked: OutstandingEvent[],
): Promise<OutstandingEvent[]> {
  if (tx.dialect !== 'mysql') return locked;
  const got = new Map<string, number>();
  for (const e of locked) got.set(e.recipient, (got.get(e.recipient) ?? 0) + 1);
  const partial = page.filter((r) => (got.get(r.recipient) ?? 0) > 0 && got.get(r.recipient)! < r.outstanding).map((r) => r.recipient);
  if (partial.length === 0) return locked;
  const again = new Set(partial);
  return [...locked.filter((e) => !again.has(e.recipient)), ...await lockOutstandingEventsWaiting(tx, type, partial)];
}
