/**
 * Checks a dotted payload path (`post.author_id`) against a JSON Schema at
 * start, so a declared type whose `recipient` or `to` names a field the
 * schema cannot produce is a config error, not a stream of failed events.
 * Follows `properties`, `allOf` and local `$ref`s; anything the schema
 * leaves open (no `properties` for a segment) is reported, since the path
 * cannot be shown to exist.
 */
type Schema = Record<string, unknown>;

const isSchema = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The target of a local `$ref` (`#/$defs/post`), or undefined. */
function target(ref: unknown, root: Schema): Schema | undefined {
  if (typeof ref !== 'string' || !ref.startsWith('#')) return undefined;
  let at: unknown = root;
  for (const raw of ref.slice(1).split('/').filter(Boolean)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    at = isSchema(at) && Object.hasOwn(at, key) ? at[key] : undefined;
  }
  return isSchema(at) ? at : undefined;
}

/**
 * Every schema object that applies to a value at `node`: the node itself
 * (2020-12 allows keywords beside `$ref`), what its local `$ref` points to,
 * and its `allOf` parts, recursively. `seen` stops self-referencing schemas.
 */
export function parts(node: Schema, root: Schema, seen = new Set<Schema>()): Schema[] {
  if (seen.has(node)) return [];
  seen.add(node);
  const ref = target(node.$ref, root);
  const all = Array.isArray(node.allOf) ? node.allOf.filter(isSchema) : [];
  return [node, ...(ref ? parts(ref, root, seen) : []), ...all.flatMap((s) => parts(s, root, seen))];
}

/** The properties a value at `node` may have, from every part that declares them. */
export function propertiesOf(node: Schema, root: Schema): Map<string, Schema> {
  const out = new Map<string, Schema>();
  for (const part of parts(node, root)) {
    if (!isSchema(part.properties)) continue;
    for (const [key, sub] of Object.entries(part.properties)) if (isSchema(sub) && !out.has(key)) out.set(key, sub);
  }
  return out;
}

const typesOf = (node: Schema): string[] => {
  if (typeof node.type === 'string') return [node.type];
  if (Array.isArray(node.type)) return node.type.filter((t): t is string => typeof t === 'string');
  return [];
};

export interface PathRule {
  /** Leaf types the value may have (`string`, `integer` …). */
  leafTypes: readonly string[];
  /** Every segment must be in its object's `required`. */
  required: boolean;
}

/** Returns what is wrong with `path` in `schema`, or null when the schema guarantees it. */
export function checkSchemaPath(schema: Schema, path: string, rule: PathRule): string | null {
  const segments = path.split('.');
  if (segments.some((s) => s === '')) return `"${path}" is not a dotted path (e.g. post.author_id)`;
  let node: Schema = schema;
  for (const [i, key] of segments.entries()) {
    const here = segments.slice(0, i + 1).join('.');
    const candidates = parts(node, schema);
    const owner = candidates.find((c) => isSchema(c.properties) && Object.hasOwn(c.properties, key) && isSchema(c.properties[key]));
    if (!owner) return `the payload schema has no property "${here}"`;
    const required = candidates.some((c) => Array.isArray(c.required) && c.required.includes(key));
    if (rule.required && !required) return `"${here}" is optional in the payload schema; list it in "required" so every event has one`;
    node = (owner.properties as Schema)[key] as Schema;
  }
  const leaf = parts(node, schema);
  const types = leaf.flatMap(typesOf);
  const bad = types.filter((t) => !rule.leafTypes.includes(t));
  if (types.length > 0 && bad.length > 0) return `"${path}" is of type ${bad.join('/')} in the payload schema; it must be ${rule.leafTypes.join(' or ')}`;
  return null;
}

/** The value at a dotted path, or undefined. Own properties only: a payload cannot reach a prototype. */
export function pick(value: unknown, path: string): unknown {
  let at: unknown = value;
  for (const key of path.split('.')) {
    if (!isSchema(at) || !Object.hasOwn(at, key)) return undefined;
    at = at[key];
  }
  return at;
}

/**
 * The schema with local `$ref`s replaced by what they point to, for embedding
 * in a larger document (the OpenAPI body), where `#/…` would resolve against
 * that document's root. A reference that leads back into itself stays a
 * `$ref` (JSON cannot inline a cycle).
 */
export function inlineRefs(schema: Schema): Schema {
  const walk = (value: unknown, stack: Schema[]): unknown => {
    if (Array.isArray(value)) return value.map((v) => walk(v, stack));
    if (!isSchema(value)) return value;
    const ref = target(value.$ref, schema);
    const out: Schema = {};
    if (ref && !stack.includes(ref)) {
      const inlined = walk(ref, [...stack, ref]) as Schema;
      const { $ref: _ref, ...siblings } = value;
      return Object.keys(siblings).length ? { allOf: [inlined, walk(siblings, stack)] } : inlined;
    }
    for (const [k, v] of Object.entries(value)) if (k !== '$defs' || value !== schema) out[k] = walk(v, stack);
    return out;
  };
  return walk(schema, [schema]) as Schema;
}
