import type { z } from 'zod';

/** One event as a handler sees it: already validated, already grouped. */
export interface GroupEvent<P> {
  id: number;
  payload: P;
  occurredAt: Date;
}

/** The events of one delivery: one recipient's (or, for group 'event', one event). */
export interface EventGroup<P> {
  type: string;
  recipient: string;
  events: GroupEvent<P>[];
}

/** What `render` returns: which template, with what data, to whom. */
export interface View {
  /** Template name under templates/ (defaults to the handler's `template`). */
  template?: string;
  data: Record<string, unknown>;
  /** Address for transports that need one (defaults to the recipient). */
  to?: string;
}

export type Grouping = 'recipient' | 'event';

export interface Handler<P = any> {
  type: string;
  payload: z.ZodType<P>;
  /** The grouping key stored on each event at record time. */
  recipient: (payload: P) => string;
  group: Grouping;
  /** Default template; checked to exist when the scheduler starts. */
  template: string;
  /** Pure: events in, view out. No database handle, no I/O. */
  render: (group: EventGroup<P>) => View;
}

export interface HandlerDefinition<S extends z.ZodType> {
  type: string;
  payload: S;
  recipient: (payload: z.infer<S>) => string;
  group?: Grouping;
  template: string;
  render: (group: EventGroup<z.infer<S>>) => View;
}

export function defineHandler<S extends z.ZodType>(def: HandlerDefinition<S>): Handler<z.infer<S>> {
  return { group: 'recipient', ...def, payload: def.payload as z.ZodType<z.infer<S>> };
}
