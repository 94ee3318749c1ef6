import { contentBytes } from '../store/content-chunks.js';
import type { ClaimedRow, NewDelivery } from '../store/deliveries.js';
import type { PreparedMessage, RenderSettings, StoredEvent } from '../types.js';
import type { RunnerContext } from './context.js';
import { type Grouped, splitGroupKey } from './group.js';
import type { SettingsOf } from './recipient-settings.js';
import { renderDelivery } from './render.js';

/**
 * Largest message stored with its delivery at claim. A larger one is born
 * `pending` and rendered again just before its send, where a row the
 * database refuses (over max_allowed_packet) fails alone instead of failing
 * the claim of the whole page, over and over.
 */
const MAX_BORN_BYTES = 1024 * 1024;

/** A delivery about to be inserted by a claim, with the events it takes. */
export interface BornDelivery {
  row: ClaimedRow;
  events: StoredEvent[];
  message?: PreparedMessage;
  /** A dead delivery split off another group (its poison events): that group's key. */
  splitFrom?: string;
  /** What it was rendered in: rendered again with them before the send when born without its message. */
  settings?: RenderSettings;
}

/**
 * Renders a claimed page's groups, inside the claim: a delivery is then born
 * `sending` with its message, so nothing is written between the claim and
 * the send (issue 13: that write was a fifth of a receipts drain, and a
 * commit on every event's way out). Rendering is pure and quick next to the
 * transaction's round trips; the rows it reads are locked by us anyway.
 * Events that cannot be rendered go into a delivery born dead, next to the
 * one that takes the rest of the group (runner/render.ts says how they are
 * found); a group none of whose events render is born dead as a whole.
 * `settingsOf` gives each group's language and time zone (recipient-settings.ts).
 */
export function prepareGroups(
  ctx: RunnerContext, base: Omit<NewDelivery, 'recipient' | 'groupKey'>, groups: ReadonlyArray<Grouped<StoredEvent>>, settingsOf?: SettingsOf,
): BornDelivery[] {
  const born: BornDelivery[] = [];
  for (const g of groups) {
    const row = { ...base, recipient: g.recipient, groupKey: g.groupKey };
    const settings = settingsOf?.(base.eventType, g.recipient, g.events);
    const outcome = renderDelivery(ctx, base.eventType, g.recipient, g.events, settings);
    if (!outcome.ok) {
      born.push({ row: { ...row, error: `render: ${outcome.error}`.slice(0, 4000) }, events: g.events });
      continue;
    }
    const { to, message: { subject, text, html } } = outcome.rendered;
    const content = { address: to, subject: subject ?? null, text: text ?? null, html: html ?? null };
    born.push(contentBytes(content) <= MAX_BORN_BYTES
      ? { row: { ...row, content }, events: outcome.events, message: { to, subject, text, html } }
      : { row, events: outcome.events, ...(settings && { settings }) });
    if (outcome.poison.length > 0) {
      const events = outcome.poison.map((p) => p.event);
      born.push({
        row: { ...row, groupKey: splitGroupKey(events[0]!.id), error: `render: ${outcome.poison.map((p) => p.reason).join('; ')}`.slice(0, 4000) },
        events,
        splitFrom: g.groupKey,
      });
    }
  }
  return born;
}
