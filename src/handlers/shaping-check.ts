import type { DigestConfig } from '../config/types.js';
import type { Issue } from '../errors.js';
import type { Handler } from './define.js';
import { checkSchemaPath, propertiesOf } from './schema-path.js';

/** What a collapse key may be: a value that compares as itself. */
const KEY_TYPES = ['string', 'integer', 'number', 'boolean'] as const;

/**
 * A `collapseKey` the type's payload schema cannot produce is a config error
 * at start, not a digest that silently never collapses. Checked against the
 * handler's JSON Schema (a declared type's own, a code handler's converted
 * from zod); a schema that says nothing about properties (`{}`, a transform
 * zod cannot express) cannot be checked and is trusted. The key may be
 * optional: an event without it is an item of its own.
 */
export function checkShaping(config: DigestConfig, handlerFor: (type: string) => Handler | undefined): Issue[] {
  const issues: Issue[] = [];
  for (const [type, ev] of Object.entries(config.events)) {
    const handler = ev.collapseKey === undefined ? undefined : handlerFor(type);
    if (!handler || ev.collapseKey === undefined) continue;
    let schema: Record<string, unknown>;
    try {
      schema = handler.jsonSchema();
    } catch {
      continue;
    }
    if (propertiesOf(schema, schema).size === 0) continue;
    const problem = checkSchemaPath(schema, ev.collapseKey, { leafTypes: KEY_TYPES, required: false });
    if (problem) issues.push({ path: `events.${type}.collapseKey`, message: problem });
  }
  return issues;
}
