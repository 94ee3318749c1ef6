/**
 * A claimed page's recipients timed (issue 15): recipients/timing.ts per
 * recipient, with the profiles the claim read for the page. A window digest whose
 * slot already has its delivery (one query for the page) is held for the
 * next slot instead: one digest per recipient per slot, the unique slot key
 * deciding any race between replicas (store/deliveries.ts SlotTakenError).
 */
import { createHash } from 'node:crypto';
import { selectTakenSlotKeys } from '../store/deliveries.js';
import type { Executor } from '../store/db.js';
import type { OutstandingRecipient } from '../store/event-claims.js';
import { timingFor, type TypeTiming } from '../recipients/timing.js';
import type { Grouping } from '../handlers/define.js';
import type { RecipientProfile } from '../types.js';

/** What the claim does with one recipient's events; a `send` with a slot carries its delivery's slot key. */
export type PageTiming =
  | { act: 'send'; slot: { at: Date; key: string } | null }
  | { act: 'hold'; until: Date }
  | { act: 'suppress' };

/** sha256 of (type, recipient, slot): fixed-width, so any key lengths fit the unique index. */
export const slotKey = (type: string, recipient: string, slot: Date) =>
  createHash('sha256').update(JSON.stringify([type, recipient, slot.toISOString()])).digest('hex');

export async function timePage(
  tx: Executor, t: TypeTiming, grouping: Grouping, page: readonly Pick<OutstandingRecipient, 'recipient' | 'since'>[],
  profiles: ReadonlyMap<string, RecipientProfile>, zoneOf: (recipient: string) => string, now: Date, manual: boolean,
  urgent: ReadonlySet<string>,
): Promise<Map<string, PageTiming>> {
  const out = new Map<string, PageTiming>();
  const slotted: Array<{ recipient: string; key: string; at: Date; ifTaken: Date }> = [];
  for (const r of page) {
    const timing = timingFor(t, profiles.get(r.recipient), zoneOf(r.recipient), r.since, now, manual, urgent.has(r.recipient));
    // A per-event type sends each event alone: its window holds them, but a
    // slot key (one delivery per slot) would refuse all but the first.
    if (timing.act === 'send' && timing.slot && grouping === 'recipient') {
      slotted.push({ recipient: r.recipient, key: slotKey(t.type, r.recipient, timing.slot), at: timing.slot, ifTaken: timing.ifTaken });
    } else {
      out.set(r.recipient, timing.act === 'send' ? { act: 'send', slot: null } : timing);
    }
  }
  const taken = slotted.length ? await selectTakenSlotKeys(tx, slotted.map((s) => s.key)) : new Set<string>();
  for (const s of slotted) {
    out.set(s.recipient, taken.has(s.key) ? { act: 'hold', until: s.ifTaken } : { act: 'send', slot: { at: s.at, key: s.key } });
  }
  return out;
}
