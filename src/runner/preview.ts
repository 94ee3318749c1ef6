import { selectOutstandingEvents } from '../store/read-pages.js';
import type { RunnerContext } from './context.js';
import { eventsPerDelivery, groupEvents } from './group.js';
import { loadRecipientSettings } from './recipient-settings.js';
import { renderDelivery } from './render.js';

export interface PreviewMessage {
  recipient: string;
  events: number[];
  to?: string;
  subject?: string;
  text?: string;
  html?: string;
  error?: string;
}

/** Dry run: what `run now` would send, rendered from outstanding events, claiming nothing. */
export async function previewType(ctx: RunnerContext, type: string, recipient?: string, limit = 10_000): Promise<PreviewMessage[]> {
  const handler = ctx.registry.require(type);
  const events = await selectOutstandingEvents(ctx.db, type, recipient ?? null, limit, ctx.databaseNow?.());
  const settingsOf = await loadRecipientSettings(ctx, ctx.db, events.map((e) => e.recipient));
  return groupEvents(events, handler.group, eventsPerDelivery(ctx.config.events[type])).map((g) => {
    const base = { recipient: g.recipient, events: g.events.map((e) => e.id) };
    // The same render path as a real run: events a real run would split off
    // into a dead delivery are named in `error` beside the message of the rest.
    const outcome = renderDelivery(ctx, type, g.recipient, g.events, settingsOf(type, g.recipient, g.events));
    if (!outcome.ok) return { ...base, error: outcome.error };
    const { to, message } = outcome.rendered;
    const leftOut = outcome.poison.map((p) => p.reason).join('; ');
    return { ...base, events: outcome.events.map((e) => e.id), to, ...message, ...(leftOut && { error: `left out (dead on a real run): ${leftOut}` }) };
  });
}
