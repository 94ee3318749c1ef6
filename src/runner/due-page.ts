import type { Executor } from '../store/db.js';
import { type EventKey, type OutstandingRecipient, selectDueHeldEvents } from '../store/event-claims.js';
import { MAX_EVENTS_PER_PAGE } from './page-budget.js';

export interface DuePage {
  page: OutstandingRecipient[];
  keys: EventKey[];
  /** The read was cut by its limit: more may be due after it. */
  more: boolean;
}

/**
 * A window run's page (issue 15): up to a page's worth of held events come
 * due, in due-time order, grouped by recipient. A full read may have cut the
 * last recipient's events short: that recipient is left to the next page
 * (whole, so its slot gets one digest), unless it is the page's only one.
 */
export async function readDuePage(tx: Executor, type: string, now?: Date, limit = MAX_EVENTS_PER_PAGE): Promise<DuePage> {
  const rows = await selectDueHeldEvents(tx, type, limit, now);
  const more = rows.length === limit;
  const byRecipient = new Map<string, { r: OutstandingRecipient; keys: EventKey[] }>();
  for (const row of rows) {
    const g = byRecipient.get(row.recipient) ?? { r: { recipient: row.recipient, outstanding: 0, since: row.availableAt }, keys: [] };
    g.r.outstanding++;
    if (row.availableAt < g.r.since) g.r.since = row.availableAt;
    g.keys.push({ id: row.id, recipient: row.recipient });
    byRecipient.set(row.recipient, g);
  }
  const groups = [...byRecipient.values()];
  if (more && groups.length > 1) groups.pop();
  return { page: groups.map((g) => g.r), keys: groups.flatMap((g) => g.keys), more };
}
