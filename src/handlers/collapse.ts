/**
 * Collapse: events of one delivery that share a key ("comments on the same
 * post") become one item, so a template says "Ann and 4 others commented on
 * Post" instead of five lines. Pure; the delivery still takes every event.
 */
import type { GroupEvent } from './define.js';
import { pick } from './schema-path.js';

/** Events sharing one key. */
export interface CollapsedItem<P> {
  /** The key's value; null for an event without one (it is an item of its own). */
  key: unknown;
  /** Events in the item (at least 1). */
  count: number;
  /** `count` − 1: the N of "Ann and N others". */
  others: number;
  /** The earliest event of the item (by occurredAt, then id). */
  first: GroupEvent<P>;
  /** The most recent event of the item (by occurredAt, then id). */
  latest: GroupEvent<P>;
  /** The item's events, in the order given. */
  events: GroupEvent<P>[];
}

/** A dotted payload path (`post.id`), or a function of the payload. */
export type CollapseKey<P> = string | ((payload: P) => unknown);

const later = <P>(a: GroupEvent<P>, b: GroupEvent<P>) => a.occurredAt.getTime() - b.occurredAt.getTime() || a.id - b.id;

/**
 * Groups `events` by `key`, items in the order of each key's first
 * occurrence in `events`. An event whose key is missing (undefined or null)
 * stays an item of its own. Keys compare by value and type: "1" and 1 are two.
 * Without a key, every event is its own item.
 */
export function collapse<P>(events: readonly GroupEvent<P>[], key?: CollapseKey<P>): CollapsedItem<P>[] {
  const keyOf = key === undefined ? () => undefined : typeof key === 'function' ? key : (p: P) => pick(p, key);
  const items: CollapsedItem<P>[] = [];
  const byKey = new Map<string, CollapsedItem<P>>();
  for (const e of events) {
    const value = keyOf(e.payload);
    const id = value == null ? undefined : JSON.stringify(value);
    const item = id === undefined ? undefined : byKey.get(id);
    if (item) {
      item.events.push(e);
      item.count++;
      item.others++;
      if (later(e, item.first) < 0) item.first = e;
      if (later(e, item.latest) > 0) item.latest = e;
      continue;
    }
    const fresh: CollapsedItem<P> = { key: value ?? null, count: 1, others: 0, first: e, latest: e, events: [e] };
    items.push(fresh);
    if (id !== undefined) byKey.set(id, fresh);
  }
  return items;
}
