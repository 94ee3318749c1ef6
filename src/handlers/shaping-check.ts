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
 * optional: an event without it is an item of its own. On a type grouped
 * per event neither setting can do anything, and says so.
 */
export function checkShaping(config: DigestConfig, handlerFor: (type: string) => Handler | undefined): Issue[] {
  const issues: Issue[] = [];
  for (const [type, ev] of Object.entries(config.events)) {
    const handler = handlerFor(type);
    if (!handler) continue;
    // One event per message: nothing to cap or collapse, so the setting is a mistake, not a no-op to keep quiet about.
    for (const key of ['maxItems', 'collapseKey'] as const) {
      if (handler.group === 'event' && ev[key] !== undefined) issues.push({ path: `events.${type}.${key}`, message: 'has no effect on a type grouped per event (one event per message)' });
    }
    if (ev.collapseKey === undefined || handler.group === 'event') continue;
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
