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

/** A local `$ref` (`#/$defs/post`) resolved against the root; anything else is left as is. */
function deref(node: Schema, root: Schema, seen = new Set<string>()): Schema {
  const ref = node.$ref;
  if (typeof ref !== 'string' || !ref.startsWith('#') || seen.has(ref)) return node;
  seen.add(ref);
  let target: unknown = root;
  for (const raw of ref.slice(1).split('/').filter(Boolean)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    target = isSchema(target) ? target[key] : undefined;
  }
  return isSchema(target) ? deref(target, root, seen) : node;
}

/** The schema itself and its `allOf` parts: every place a property may be declared. */
function parts(node: Schema, root: Schema): Schema[] {
  const self = deref(node, root);
  const all = Array.isArray(self.allOf) ? self.allOf.filter(isSchema).flatMap((s) => parts(s, root)) : [];
  return [self, ...all];
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
    const owner = candidates.find((c) => isSchema(c.properties) && isSchema(c.properties[key]));
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
