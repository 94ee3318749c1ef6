import type { EventTypeConfig } from '../config/types.js';
import type { Executor } from '../store/db.js';
import { type EventPool, lockEventsById, selectOutstandingEventIds } from '../store/event-claims.js';
import type { StoredEvent } from '../types.js';
import { isUrgent } from '../urgency.js';

/**
 * The recipients of a claimed page with an urgent event (src/urgency.ts),
 * and the page's events grown by the rest of those recipients' outstanding
 * events — held ones too (their window, their quiet hours): an urgent event
 * sends everything its recipient has waiting, in one digest, so the next
 * digest carries only what comes after. The rest are locked waiting, as
 * wholeRecipients does, so the recipient goes out whole rather than split
 * with a claim in flight elsewhere. Costs nothing for a type without `urgent`.
 */
export async function withUrgentRecipients(
  tx: Executor, cfg: Pick<EventTypeConfig, 'type' | 'urgent'>, pool: EventPool, taken: StoredEvent[], now?: Date,
): Promise<{ taken: StoredEvent[]; urgent: Set<string> }> {
  const urgent = new Set<string>();
  if (cfg.urgent == null) return { taken, urgent };
  for (const e of taken) if (!e.problem && !urgent.has(e.recipient) && isUrgent(cfg.urgent, e.payload)) urgent.add(e.recipient);
  // `all` (run now, an urgent run) already read every outstanding event of its recipients.
  if (urgent.size === 0 || pool === 'all') return { taken, urgent };
  const have = new Set(taken.map((e) => e.id));
  const rest = (await selectOutstandingEventIds(tx, cfg.type, [...urgent], now, 'all')).filter((k) => !have.has(k.id));
  if (rest.length === 0) return { taken, urgent };
  return { taken: [...taken, ...await lockEventsById(tx, cfg.type, rest.map((k) => k.id), true)], urgent };
}
