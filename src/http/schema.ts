/**
 * Route schemas are written once, in zod, and handed to fastify as JSON
 * Schema: fastify validates params/querystrings with them and serialises
 * responses with them, and @fastify/swagger turns the same objects into the
 * OpenAPI document — so the docs cannot drift from what the server does.
 */
import { z } from 'zod';

export type JsonSchema = Record<string, unknown>;

/**
 * Draft-07 (what fastify's Ajv speaks; valid in OpenAPI 3.1 too), without the
 * `$schema` marker, which does not belong inside an OpenAPI operation.
 * `io: 'input'` describes what a client sends (defaults make fields optional).
 */
export function jsonSchema(schema: z.ZodType, io: 'input' | 'output' = 'output'): JsonSchema {
  // `any`: a handler's payload may use zod features JSON Schema cannot express (transforms).
  const out = { ...(z.toJSONSchema(schema, { target: 'draft-7', io, unrepresentable: 'any' }) as JsonSchema) };
  delete out.$schema;
  return out;
}

/** Times go out as UTC ISO 8601 strings (routes convert with iso() below). */
export const isoTime = z.string().meta({ format: 'date-time' });

/**
 * Row ids in paths: decimal digits only. As an integer schema, Ajv's
 * coercion would read `0x10` as 16 and `1e3` as 1000; as text with a pattern,
 * anything but plain digits is a 400. Routes convert with Number().
 */
export const idParams = jsonSchema(z.object({ id: z.string().regex(/^[1-9][0-9]{0,15}$/).meta({ description: 'A positive decimal integer' }) }));

/** Every error answer: a stable `error` kind, a message, and for 422s the issues (path + rule) or the known types. */
export const errorBody = jsonSchema(z.object({
  error: z.string().meta({ description: 'unauthorized, not_found, validation, unknown_event_type, conflict, payload_too_large, malformed_json, …' }),
  message: z.string().optional(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional()
    .meta({ description: 'validation: one per broken rule; `order_id`, `[3].quantity`, `occurredAt` …' }),
  knownTypes: z.array(z.string()).optional().meta({ description: 'unknown_event_type: the types this server records' }),
}).loose());

/** Dates become strings before serialisation: a nullable (anyOf) schema would not recognise a Date object as a string. */
export function iso(d: Date): string;
export function iso(d: Date | null): string | null;
export function iso(d: Date | null): string | null {
  return d ? d.toISOString() : null;
}
