import type { Grouping } from '../handlers/define.js';

export interface Grouped<E extends { id: number; recipient: string }> {
  /** Unique per run: the recipient, or '#<event id>' when each event is its own message. */
  groupKey: string;
  recipient: string;
  events: E[];
}

/**
 * One delivery holds at most this many events: a recipient with a huge
 * backlog gets its oldest ones now and the rest in its next delivery, rather
 * than one message too large to store or send.
 */
export const MAX_EVENTS_PER_DELIVERY = 1000;

/**
 * A type with `maxItems` renders a bounded message however many events it
 * holds, so its delivery takes far more: a backlog goes out as one digest
 * saying "and 9,990 more", not as ten digests. Still bounded, for memory
 * (a claim page then holds one such recipient).
 */
export const MAX_EVENTS_PER_CAPPED_DELIVERY = 10_000;

/** Events one delivery of a type takes. */
export const eventsPerDelivery = (cfg: { maxItems?: number } | undefined) =>
  cfg?.maxItems === undefined ? MAX_EVENTS_PER_DELIVERY : MAX_EVENTS_PER_CAPPED_DELIVERY;

/**
 * The group key of a row that can never be rendered (see store/event-row.ts):
 * a delivery of its own, so it fails alone and the recipient's other events
 * still go out. NUL-prefixed: no recipient record() accepts starts with it.
 */
export const problemGroupKey = (id: number) => `\u0000#${id}`;

/** The group key of the dead delivery split off a group for its poison events, named by the first of them (runner/prepare.ts). */
export const splitGroupKey = (firstEventId: number) => `\u0000!${firstEventId}`;

/**
 * Splits claimed events into deliveries: one per recipient (its oldest
 * `maxPerGroup`), or one per event; an event with a `problem` always alone.
 * Events keep id order; events left out are not claimed and stay outstanding.
 */
export function groupEvents<E extends { id: number; recipient: string; problem?: string }>(
  events: readonly E[], grouping: Grouping, maxPerGroup = MAX_EVENTS_PER_DELIVERY,
): Grouped<E>[] {
  const sorted = [...events].sort((a, b) => a.id - b.id);
  if (grouping === 'event') return sorted.map((e) => ({ groupKey: `#${e.id}`, recipient: e.recipient, events: [e] }));
  const byRecipient = new Map<string, Grouped<E>>();
  const alone: Grouped<E>[] = [];
  for (const e of sorted) {
    if (e.problem) {
      alone.push({ groupKey: problemGroupKey(e.id), recipient: e.recipient, events: [e] });
      continue;
    }
    const g = byRecipient.get(e.recipient) ?? { groupKey: e.recipient, recipient: e.recipient, events: [] };
    if (g.events.length < maxPerGroup) g.events.push(e);
    byRecipient.set(e.recipient, g);
  }
  return [...byRecipient.values(), ...alone];
}
