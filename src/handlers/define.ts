import { z } from 'zod';
import type { Issue } from '../errors.js';

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
  /** The type's `maxItems` (schedules file), when set: show that many items, with limitItems(). */
  maxItems?: number;
  /** The type's `collapseKey` (a dotted payload path), when set: one item per key, with collapse(). */
  collapseKey?: string;
}

/** What `render` returns: which template, with what data, to whom. */
export interface View {
  /** Template name (defaults to the handler's `template`). */
  template?: string;
  data: Record<string, unknown>;
  /** Address for transports that need one (defaults to the recipient). */
  to?: string;
}

export type Grouping = 'recipient' | 'event';

/** A payload checked against its type's schema: the value the schema outputs, or one issue per broken rule (paths inside the payload). */
export type PayloadCheck<P> = { ok: true; value: P } | { ok: false; issues: Issue[] };

/**
 * The per-event-type definition the runner works with, whatever it was
 * written in: a zod schema (`defineHandler`) or a JSON Schema declared in the
 * schedules file (`declareHandler`). It is plain data and functions, so a
 * handler module built against another copy of digest works the same.
 * `P` is what render sees, `I` what record() accepts, `T` the type name.
 */
export interface Handler<P = any, T extends string = string, I = P> {
  type: T;
  validate(payload: unknown): PayloadCheck<P>;
  /** The payload's JSON Schema, for the OpenAPI document (`{}` when it cannot be expressed). */
  jsonSchema(): Record<string, unknown>;
  /** The grouping key stored on each event at record time. */
  recipient: (payload: P) => string;
  group: Grouping;
  /** Default template; checked to exist when the scheduler starts. */
  template: string;
  /** Pure: events in, view out. No database handle, no I/O. */
  render: (group: EventGroup<P>) => View;
  /** Never set: carries the record() input type for `createDigest({ handlers })`. */
  readonly __input?: I;
}

export interface HandlerDefinition<T extends string, S extends z.ZodType> {
  type: T;
  payload: S;
  recipient: (payload: z.output<S>) => string;
  group?: Grouping;
  template: string;
  render: (group: EventGroup<z.output<S>>) => View;
}

/** zod's issues as ours: a dotted path inside the payload and the rule. */
export const zodIssues = (error: z.ZodError): Issue[] =>
  error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));

/** A handler whose payload is a zod schema; `type` keeps its literal so record() can be typed. */
export function defineHandler<const T extends string, S extends z.ZodType>(def: HandlerDefinition<T, S>): Handler<z.output<S>, T, z.input<S>> {
  const { payload, ...rest } = def;
  let schema: Record<string, unknown> | undefined;
  return {
    group: 'recipient',
    ...rest,
    validate(value) {
      const result = payload.safeParse(value);
      return result.success ? { ok: true, value: result.data } : { ok: false, issues: zodIssues(result.error) };
    },
    jsonSchema() {
      // Draft-7, what fastify's tooling reads; `any` for what JSON Schema cannot say (transforms).
      // A schema built with another zod copy may not convert: it is then documented as any JSON.
      try {
        schema ??= { ...(z.toJSONSchema(payload, { target: 'draft-7', io: 'input', unrepresentable: 'any' }) as Record<string, unknown>) };
        delete schema.$schema;
      } catch {
        schema = {};
      }
      return schema;
    },
  };
}

/** The record() payload type of a handler. */
export type PayloadInput<H> = H extends Handler<any, string, infer I> ? I : never;
