/**
 * Event types declared in the schedules file, for teams that write no
 * TypeScript: a JSON Schema (draft 2020-12, validated by ajv, compiled once at
 * start), dotted paths for the recipient and the address, a template. The
 * result is an ordinary Handler, so the runner cannot tell the difference.
 * Its template gets a documented view: `type`, `recipient`, `count`,
 * `events` (oldest first, each the payload's fields plus `id` and
 * `occurredAt`; collapsed and capped by the type's collapseKey / maxItems),
 * `total`, `more`, `first`, `last`.
 */
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';
import type { TypeDeclaration } from '../config/types.js';
import type { Issue } from '../errors.js';
import { collapse, type CollapsedItem } from './collapse.js';
import type { EventGroup, GroupEvent, Handler } from './define.js';
import { limitItems } from './max-items.js';
import { checkSchemaPath, inlineRefs, pick, propertiesOf } from './schema-path.js';

// ajv-formats is CommonJS with a `default` property; NodeNext sees the module object.
const addFormats = formats.default;

type Payload = Record<string, unknown>;
type Schema = Record<string, unknown>;

const unescape = (s: string) => s.replace(/~1/g, '/').replace(/~0/g, '~');
const pointerPath = (pointer: string) => pointer.split('/').slice(1).map(unescape);

/** ajv's errors as ours: the field's dotted path and the rule it broke. */
function toIssue(e: ErrorObject): Issue {
  const at = pointerPath(e.instancePath);
  if (e.keyword === 'required') return { path: [...at, String(e.params.missingProperty)].join('.'), message: 'is required' };
  if (e.keyword === 'additionalProperties') {
    return { path: [...at, String(e.params.additionalProperty)].join('.'), message: 'is not allowed (additionalProperties: false)' };
  }
  if (e.keyword === 'enum') return { path: at.join('.'), message: mustBeOneOf(e) };
  return { path: at.join('.'), message: e.message ?? `fails ${e.keyword}` };
}

const mustBeOneOf = (e: ErrorObject) => `must be one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;

/**
 * A broken schema's problems, one per place: the metaschema's `anyOf`
 * branches say the same thing several ways (`type: objekt` fails "enum",
 * "must be array" and "anyOf"), so the enum's allowed values are kept,
 * else the first message.
 */
function schemaIssues(errors: readonly ErrorObject[], at: string): Issue[] {
  const byPath = new Map<string, Issue>();
  for (const e of errors) {
    const path = [at, ...pointerPath(e.instancePath)].join('.');
    if (e.keyword === 'enum') byPath.set(path, { path, message: mustBeOneOf(e) });
    else if (!byPath.has(path)) byPath.set(path, { path, message: e.message ?? `fails ${e.keyword}` });
  }
  return [...byPath.values()];
}

/**
 * Fields the schema declares but a payload leaves out are null in the view:
 * templates run in strict mode, where `{{#if message}}` on an absent field
 * is an error rather than false. Follows `$ref` and `allOf` like the path check.
 */
function withNulls(schema: Schema, value: unknown, root: Schema): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const out: Payload = { ...(value as Payload) };
  for (const [key, sub] of propertiesOf(schema, root)) out[key] = Object.hasOwn(out, key) ? withNulls(sub, out[key], root) : null;
  return out;
}

const byTime = (a: { occurredAt: Date; id: number }, b: { occurredAt: Date; id: number }) =>
  a.occurredAt.getTime() - b.occurredAt.getTime() || a.id - b.id;

/**
 * The view a declared type's template receives. An event is its payload's
 * fields plus the event's `id` and `occurredAt`; the payload also stays whole
 * under `payload`, so a payload field with one of those names is still there.
 * `events` holds the items shown: the events (oldest first), or with a
 * `collapseKey` one item per key ({ key, count, others, first, latest,
 * events }, in the order of each key's oldest event); with `maxItems` only
 * the first of them. `total` counts the items, `more` those not shown;
 * `count`, `first` and `last` are always about every event of the delivery.
 */
export function declaredView(group: EventGroup<Payload>, schema: Schema) {
  const sorted = [...group.events].sort(byTime);
  // Only what is shown is turned into a view: a capped delivery may hold thousands of events.
  const view = (e: GroupEvent<Payload>) => {
    const payload = withNulls(schema, e.payload, schema) as Payload;
    return { ...payload, id: e.id, occurredAt: e.occurredAt, payload };
  };
  const collapsed = group.collapseKey === undefined ? undefined : collapse(sorted, group.collapseKey);
  const shown = collapsed ? limitItems(collapsed, group.maxItems) : limitItems(sorted, group.maxItems);
  // Events, or collapsed items: either way records of fields for the template.
  const events: Payload[] = collapsed
    ? (shown.items as CollapsedItem<Payload>[]).map((i) => ({ ...i, first: view(i.first), latest: view(i.latest), events: i.events.map(view) }))
    : (shown.items as GroupEvent<Payload>[]).map(view);
  const oldest = sorted[0];
  const newest = sorted[sorted.length - 1];
  return {
    type: group.type, recipient: group.recipient, count: sorted.length, total: shown.total, more: shown.more, events,
    first: oldest ? view(oldest) : null, last: newest ? view(newest) : null,
  };
}

/**
 * Builds the handler for one declared type. `at` is its key path
 * (`events.Comment.Created`); every problem is returned with a path under it.
 */
export function declareHandler(type: string, decl: TypeDeclaration, at: string): { handler?: Handler<Payload>; issues: Issue[] } {
  const issues: Issue[] = [];
  const { $schema, ...schema } = decl.payload;
  if ($schema !== undefined && $schema !== 'https://json-schema.org/draft/2020-12/schema') {
    issues.push({ path: `${at}.payload.$schema`, message: 'only JSON Schema draft 2020-12 is supported (omit $schema or use https://json-schema.org/draft/2020-12/schema)' });
    return { issues };
  }
  // One instance per type: schemas may reuse $id values across types.
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false, strictTuples: false, strictRequired: false });
  addFormats(ajv);
  if (!ajv.validateSchema(schema)) {
    issues.push(...schemaIssues(ajv.errors ?? [], `${at}.payload`));
    return { issues };
  }
  let validate: ReturnType<typeof ajv.compile>;
  try {
    validate = ajv.compile(schema);
  } catch (err) {
    issues.push({ path: `${at}.payload`, message: `invalid JSON Schema: ${(err as Error).message}` });
    return { issues };
  }
  const recipientProblem = checkSchemaPath(schema, decl.recipient, { leafTypes: ['string', 'integer', 'number'], required: true });
  if (recipientProblem) issues.push({ path: `${at}.recipient`, message: recipientProblem });
  const toProblem = decl.to == null ? null : checkSchemaPath(schema, decl.to, { leafTypes: ['string'], required: false });
  if (toProblem) issues.push({ path: `${at}.to`, message: toProblem });
  if (issues.length > 0) return { issues };

  let documented: Schema | undefined;
  const handler: Handler<Payload> = {
    type,
    group: decl.group,
    template: decl.template,
    validate(payload) {
      if (validate(payload)) return { ok: true, value: payload as Payload };
      return { ok: false, issues: (validate.errors ?? []).map(toIssue) };
    },
    jsonSchema: () => (documented ??= inlineRefs(schema)),
    recipient: (p) => String(pick(p, decl.recipient) ?? ''),
    render(group) {
      const data = declaredView(group, schema);
      // The latest event decides the address, as an address may change between events.
      const latest = [...group.events].sort(byTime).pop();
      const to = decl.to == null ? undefined : pick(latest?.payload, decl.to);
      return { data, to: typeof to === 'string' && to !== '' ? to : undefined };
    },
  };
  return { handler, issues };
}
