import type { Grouping } from '../handlers/define.js';

export interface Grouped<E extends { id: number; recipient: string }> {
  /** Unique per run: the recipient, or '#<event id>' when each event is its own message. */
  groupKey: string;
  recipient: string;
  events: E[];
}

/** Splits claimed events into deliveries: one per recipient, or one per event. Events keep id order. */
export function groupEvents<E extends { id: number; recipient: string }>(events: readonly E[], grouping: Grouping): Grouped<E>[] {
  const sorted = [...events].sort((a, b) => a.id - b.id);
  if (grouping === 'event') return sorted.map((e) => ({ groupKey: `#${e.id}`, recipient: e.recipient, events: [e] }));
  const byRecipient = new Map<string, Grouped<E>>();
  for (const e of sorted) {
    const g = byRecipient.get(e.recipient) ?? { groupKey: e.recipient, recipient: e.recipient, events: [] };
    g.events.push(e);
    byRecipient.set(e.recipient, g);
  }
  return [...byRecipient.values()];
}
