import { validatePayload } from '../handlers/validate.js';
import { PermanentDeliveryError } from '../transports/errors.js';
import { renderGroup } from '../render/render-group.js';
import type { OutstandingEvent } from '../store/events.js';
import type { RunnerContext } from './context.js';

/**
 * Validates each stored payload against the handler's schema (rows inserted
 * by SQL producers were never checked) and renders the group. Throws on a bad
 * payload or a failing template: the caller fails that one delivery.
 */
export function renderEvents(ctx: RunnerContext, type: string, recipient: string, events: readonly OutstandingEvent[]) {
  // A row that can never render (bad JSON, not an object, blank recipient):
  // retrying cannot help, so its delivery goes dead at once with the reason.
  const bad = events.filter((e) => e.problem);
  if (bad.length) throw new PermanentDeliveryError(bad.map((e) => `event ${e.id}: ${e.problem}`).join('; '));
  const handler = ctx.registry.require(type);
  const group = {
    type,
    recipient,
    events: events.map((e) => ({ id: e.id, occurredAt: e.occurredAt, payload: validatePayload(handler, e.payload) })),
  };
  return renderGroup(handler, ctx.renderer, group);
}
