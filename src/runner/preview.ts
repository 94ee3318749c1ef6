import { selectOutstandingEvents } from '../store/read-pages.js';
import type { RunnerContext } from './context.js';
import { groupEvents } from './group.js';
import { renderEvents } from './render-events.js';

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
  return groupEvents(events, handler.group).map((g) => {
    const base = { recipient: g.recipient, events: g.events.map((e) => e.id) };
    try {
      const { to, message } = renderEvents(ctx, type, g.recipient, g.events);
      return { ...base, to, ...message };
    } catch (err) {
      return { ...base, error: err instanceof Error ? err.message : String(err) };
    }
  });
}
