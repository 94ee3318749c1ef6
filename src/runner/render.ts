/**
 * The one render path, for real runs and dry runs alike: validate each
 * stored payload against the handler's schema (rows inserted by SQL
 * producers were never checked), let the handler's pure `render` pick the
 * template and data, fill the template. Rendering is pure, so a failure is
 * deterministic: retrying the same events fails the same way — which is why
 * the events at fault are separated here rather than retried.
 */
import type { EventGroup, GroupEvent, Handler } from '../handlers/define.js';
import { validatePayload } from '../handlers/validate.js';
import type { RenderedMessage, Renderer } from '../render/renderer.js';
import type { RenderSettings, StoredEvent } from '../types.js';
import { unsubscribeFields } from '../unsubscribe/link.js';
import type { RunnerContext } from './context.js';
import { resolveSettings } from './recipient-settings.js';

export interface RenderedGroup {
  to: string;
  message: RenderedMessage;
  template: string;
}

/**
 * One group of (already validated) events into a message, in `settings`'
 * language and zone. Throws on a handler or template error. `context`: what
 * every template of the delivery sees besides the handler's data
 * (`unsubscribeUrl`); it wins over a handler's field of the same name, so a
 * payload cannot replace the link.
 */
export function renderGroup(
  handler: Handler, renderer: Renderer, group: EventGroup<unknown>, settings?: RenderSettings, context?: Record<string, unknown>,
): RenderedGroup {
  const view = handler.render(group);
  const template = view.template ?? handler.template;
  return {
    to: view.to ?? group.recipient,
    message: renderer.render(template, context ? { ...view.data, ...context } : view.data, settings),
    template,
  };
}

/** An event that cannot be rendered, and why (the reason starts with its id). */
export interface PoisonEvent {
  event: StoredEvent;
  reason: string;
}

/**
 * What rendering a delivery came to.
 * - `rendered`: the message for `events`; `poison` lists the events left out
 *   (to be split into a dead delivery of their own).
 * - `failed`: nothing can be sent; `error` names the event ids at fault.
 */
export type RenderOutcome =
  | { ok: true; rendered: RenderedGroup; events: StoredEvent[]; poison: PoisonEvent[] }
  | { ok: false; error: string };

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Renders a delivery, separating the events that cannot be rendered from the
 * ones that can. A payload failing its schema is found event by event. A
 * template (or handler) error is a property of the group: the events are
 * then rendered one by one, and those that fail alone are the poison. When
 * each renders alone but not together, no single event is at fault and the
 * whole delivery fails, naming all of them.
 */
export function renderDelivery(ctx: RunnerContext, type: string, recipient: string, events: readonly StoredEvent[], settings?: RenderSettings): RenderOutcome {
  const handler = ctx.registry.require(type);
  // Without the recipient's (runner/recipient-settings.ts): the payload field and the type's defaults still apply.
  const given = settings ?? resolveSettings(ctx.config, type, null, events);
  const valid: Array<{ event: StoredEvent; view: GroupEvent<unknown> }> = [];
  const poison: PoisonEvent[] = [];
  for (const event of events) {
    // A row that can never render (bad JSON, not an object, blank recipient).
    if (event.problem) {
      poison.push({ event, reason: `event ${event.id}: ${event.problem}` });
      continue;
    }
    try {
      valid.push({ event, view: { id: event.id, occurredAt: event.occurredAt, payload: validatePayload(handler, event.payload) } });
    } catch (err) {
      poison.push({ event, reason: `event ${event.id}: ${message(err)}` });
    }
  }
  // The same link the List-Unsubscribe header carries (deliver.ts computes it again at send).
  const context = unsubscribeFields(ctx.config, { recipient, type });
  // The type's shaping settings travel with the group: the handler decides which of its data is the list.
  const cfg = ctx.config.events[type];
  const shaping = { ...(cfg?.maxItems !== undefined && { maxItems: cfg.maxItems }), ...(cfg?.collapseKey !== undefined && { collapseKey: cfg.collapseKey }) };
  const render = (list: typeof valid) => renderGroup(handler, ctx.renderer, { type, recipient, events: list.map((v) => v.view), ...shaping }, given, context);
  const attempt = (list: typeof valid): { ok: true; rendered: RenderedGroup } | { ok: false; error: string } => {
    try {
      return { ok: true, rendered: render(list) };
    } catch (err) {
      return { ok: false, error: message(err) };
    }
  };
  const failed = (extra: string[] = []) => ({ ok: false as const, error: [...poison.map((p) => p.reason), ...extra].join('; ') });

  if (valid.length === 0) return failed();
  const whole = attempt(valid);
  if (whole.ok) return { ok: true, rendered: whole.rendered, events: valid.map((v) => v.event), poison };
  if (valid.length === 1) return failed([`event ${valid[0]!.event.id}: ${whole.error}`]);

  const good: typeof valid = [];
  for (const v of valid) {
    const alone = attempt([v]);
    if (alone.ok) good.push(v);
    else poison.push({ event: v.event, reason: `event ${v.event.id}: ${alone.error}` });
  }
  const rest = good.length === valid.length ? null : good.length > 0 ? attempt(good) : null;
  if (rest?.ok) return { ok: true, rendered: rest.rendered, events: good.map((v) => v.event), poison };
  // Every event alone fails, or the survivors still fail together: nothing to split off.
  const ids = good.map((v) => v.event.id);
  return failed(ids.length ? [`events ${ids.join(', ')} together: ${rest && !rest.ok ? rest.error : whole.error}`] : []);
}
