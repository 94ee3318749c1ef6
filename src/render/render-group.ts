import type { EventGroup, Handler } from '../handlers/define.js';
import type { RenderedMessage, Renderer } from './renderer.js';

export interface RenderedGroup {
  to: string;
  message: RenderedMessage;
  template: string;
}

/**
 * Turns one group of (already validated) events into a message: the
 * handler's pure `render` picks template and data, the renderer fills it.
 * Errors propagate so the caller fails only this recipient's delivery.
 */
export function renderGroup(handler: Handler, renderer: Renderer, group: EventGroup<unknown>): RenderedGroup {
  const view = handler.render(group);
  const template = view.template ?? handler.template;
  return {
    to: view.to ?? group.recipient,
    message: renderer.render(template, view.data),
    template,
  };
}
