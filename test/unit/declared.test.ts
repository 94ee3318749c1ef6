/**
 * Event types declared in the schedules file (src/handlers/declared.ts): a
 * JSON Schema (2020-12) payload, dotted recipient / to paths, a documented
 * template view. Pure: no database, no files.
 */
import { describe, expect, it } from 'vitest';
import type { TypeDeclaration } from '../../src/config/types.js';
import { ValidationError, type Issue } from '../../src/errors.js';
import { declareHandler, declaredView } from '../../src/handlers/declared.js';
import type { EventGroup, Handler } from '../../src/handlers/define.js';
import { checkSchemaPath, pick } from '../../src/handlers/schema-path.js';
import { validatePayload } from '../../src/handlers/validate.js';

type Payload = Record<string, unknown>;

/** The schema of the brief, as the YAML loader hands it over (plain data). */
const commentSchema = () => ({
  type: 'object',
  required: ['comment_id', 'post', 'text'],
  properties: {
    comment_id: { type: 'integer', minimum: 1 },
    text: { type: 'string', maxLength: 2000 },
    post: {
      type: 'object',
      required: ['author_id', 'author_email'],
      properties: { author_id: { type: 'string' }, author_email: { type: 'string', format: 'email' } },
    },
  },
});

const AT = 'events.Comment.Created';

function declaration(over: Partial<TypeDeclaration> = {}): TypeDeclaration {
  return { group: 'recipient', recipient: 'post.author_id', template: 'comment-digest', payload: commentSchema(), ...over };
}

/** The handler a declaration builds; fails the test when it reports issues instead. */
function declared(over: Partial<TypeDeclaration> = {}, type = 'Comment.Created', at = AT): Handler<Payload> {
  const { handler, issues } = declareHandler(type, declaration(over), at);
  expect(issues).toEqual([]);
  expect(handler).toBeDefined();
  return handler!;
}

/** The issues a declaration reports; fails the test when it builds a handler. */
function problems(over: Partial<TypeDeclaration>, at = AT): Issue[] {
  const { handler, issues } = declareHandler('Comment.Created', declaration(over), at);
  expect(handler).toBeUndefined();
  expect(issues.length).toBeGreaterThan(0);
  return issues;
}

const comment = (n: number, over: Payload = {}): Payload => ({
  comment_id: n,
  text: `comment ${n}`,
  post: { author_id: 'author-7', author_email: 'author7@example.com' },
  ...over,
});

function issuesOf(handler: Handler<Payload>, payload: unknown): Issue[] {
  const result = handler.validate(payload);
  if (result.ok) throw new Error(`expected ${JSON.stringify(payload)} to be rejected`);
  return result.issues;
}

const T0 = Date.UTC(2025, 0, 1, 9);
const at = (minutes: number) => new Date(T0 + minutes * 60_000);

function group(type: string, recipient: string, events: Array<{ id: number; minutes: number; payload: Payload }>): EventGroup<Payload> {
  return { type, recipient, events: events.map((e) => ({ id: e.id, payload: e.payload, occurredAt: at(e.minutes) })) };
}

describe('a declared type: payload validation', () => {
  const handler = declared();

  it('is an ordinary handler built from the declaration', () => {
    expect(handler.type).toBe('Comment.Created');
    expect(handler.group).toBe('recipient');
    expect(handler.template).toBe('comment-digest');
    expect(handler.jsonSchema()).toEqual(commentSchema());
    expect(declared({ group: 'event' }).group).toBe('event');
  });

  it('accepts good payloads unchanged (extra fields allowed without additionalProperties: false)', () => {
    for (const p of [comment(1), comment(2, { text: '' }), comment(3, { extra: true }), comment(4, { text: 'x'.repeat(2000) })]) {
      expect(handler.validate(p)).toEqual({ ok: true, value: p });
      expect(validatePayload(handler, p)).toEqual(p);
    }
  });

  it('names the nested field and the rule it broke: format email', () => {
    const issues = issuesOf(handler, comment(1, { post: { author_id: 'a', author_email: 'not-an-email' } }));
    expect(issues).toEqual([{ path: 'post.author_email', message: expect.stringMatching(/format "email"/) }]);
  });

  it('names the rule for minimum, type and maxLength', () => {
    expect(issuesOf(handler, comment(0))).toEqual([{ path: 'comment_id', message: expect.stringMatching(/>= 1/) }]);
    expect(issuesOf(handler, comment(1.5))).toEqual([{ path: 'comment_id', message: expect.stringMatching(/integer/) }]);
    expect(issuesOf(handler, comment(1, { text: 'x'.repeat(2001) }))).toEqual([{ path: 'text', message: expect.stringMatching(/2000/) }]);
  });

  it('reports every missing required field as "is required", nested ones with their full path', () => {
    const top = issuesOf(handler, {});
    expect(top.map((i) => i.path).sort()).toEqual(['comment_id', 'post', 'text']);
    expect(new Set(top.map((i) => i.message))).toEqual(new Set(['is required']));
    expect(issuesOf(handler, comment(1, { post: { author_id: 'a' } }))).toEqual([{ path: 'post.author_email', message: 'is required' }]);
  });

  it('reports all problems of one payload at once', () => {
    const issues = issuesOf(handler, { comment_id: -1, post: { author_email: 'nope' } });
    expect(issues.map((i) => i.path).sort()).toEqual(['comment_id', 'post.author_email', 'post.author_id', 'text']);
  });

  it('names each property additionalProperties: false forbids', () => {
    const schema = commentSchema();
    const strict = declared({ payload: { ...schema, additionalProperties: false, properties: { ...schema.properties, post: { ...schema.properties.post, additionalProperties: false } } } });
    expect(strict.validate(comment(1)).ok).toBe(true);
    const issues = issuesOf(strict, { ...comment(1, { spam: 1 }), post: { author_id: 'a', author_email: 'a@example.com', avatar: 'x' } });
    expect(issues.map((i) => i.path).sort()).toEqual(['post.avatar', 'spam']);
    for (const i of issues) expect(i.message).toMatch(/not allowed.*additionalProperties/);
  });

  it('rejects a non-object payload', () => {
    expect(issuesOf(handler, 'hello')).toEqual([{ path: '', message: expect.stringMatching(/object/) }]);
    expect(issuesOf(handler, null)).toHaveLength(1);
  });

  it('validatePayload throws a ValidationError whose issue paths start with payload.', () => {
    let err: unknown;
    try {
      validatePayload(handler, comment(1, { comment_id: 0, post: { author_id: 'a', author_email: 'bad' } }));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ValidationError);
    const v = err as ValidationError;
    expect(v.code).toBe('VALIDATION');
    expect(v.issues.map((i) => i.path).sort()).toEqual(['payload.comment_id', 'payload.post.author_email']);
    expect(v.issues.find((i) => i.path === 'payload.post.author_email')?.message).toMatch(/email/);
    expect(v.message).toContain('Comment.Created');
    expect(v.message).toContain('payload.post.author_email: ');
    // A payload that is not an object is reported at `payload` itself.
    expect(() => validatePayload(handler, 42)).toThrow(expect.objectContaining({ issues: [expect.objectContaining({ path: 'payload' })] }));
  });

  it('accepts $schema when it names draft 2020-12, and uses 2020-12 semantics (prefixItems)', () => {
    const h = declared({
      payload: { $schema: 'https://json-schema.org/draft/2020-12/schema', ...commentSchema(), properties: { ...commentSchema().properties, pair: { type: 'array', prefixItems: [{ type: 'string' }, { type: 'integer' }] } } },
    });
    expect(h.validate(comment(1, { pair: ['a', 1] })).ok).toBe(true);
    expect(issuesOf(h, comment(1, { pair: ['a', 'b'] }))).toEqual([{ path: 'pair.1', message: expect.stringMatching(/integer/) }]);
  });
});

describe('a declared type: recipient, view and address', () => {
  it('takes the recipient from the dotted path post.author_id', () => {
    const h = declared();
    expect(h.recipient(comment(1))).toBe('author-7');
    expect(h.recipient(comment(2, { post: { author_id: 'someone-else', author_email: 'x@example.com' } }))).toBe('someone-else');
  });

  it("render's view: type, recipient, count, events oldest first (payload fields + id + occurredAt), first, last", () => {
    const h = declared();
    const g = group('Comment.Created', 'author-7', [
      { id: 12, minutes: 30, payload: comment(3) },
      { id: 10, minutes: 5, payload: comment(1) },
      { id: 11, minutes: 5, payload: comment(2) }, // same time as id 10: the lower id is older
    ]);
    const view = h.render(g);
    expect(view.template).toBeUndefined();
    const data = view.data as ReturnType<typeof declaredView>;
    expect(data.type).toBe('Comment.Created');
    expect(data.recipient).toBe('author-7');
    expect(data.count).toBe(3);
    expect(data.events.map((e) => e.id)).toEqual([10, 11, 12]);
    expect(data.events[0]).toEqual({ ...comment(1), id: 10, occurredAt: at(5), payload: comment(1) });
    expect(data.events[2]).toEqual({ ...comment(3), id: 12, occurredAt: at(30), payload: comment(3) });
    expect(data.first).toEqual(data.events[0]);
    expect(data.last).toEqual(data.events[2]);
    // render does not reorder the group it was given
    expect(g.events.map((e) => e.id)).toEqual([12, 10, 11]);
  });

  it('gives absent optional schema properties as null (strict templates), nested too; present ones kept', () => {
    const schema = commentSchema();
    const h = declared({
      payload: {
        ...schema,
        properties: {
          ...schema.properties,
          edited: { type: 'boolean' },
          post: { ...schema.properties.post, properties: { ...schema.properties.post.properties, title: { type: 'string' } } },
        },
      },
    });
    const data = h.render(group('Comment.Created', 'author-7', [
      { id: 1, minutes: 0, payload: comment(1) },
      { id: 2, minutes: 1, payload: comment(2, { edited: false, post: { author_id: 'author-7', author_email: 'a@example.com', title: 'Hi' } }) },
    ])).data as ReturnType<typeof declaredView>;
    expect(data.events[0]).toMatchObject({ edited: null, post: { author_id: 'author-7', title: null } });
    expect(data.events[1]).toMatchObject({ edited: false, post: { title: 'Hi' } });
    // Fields the schema does not declare are passed through as they are, never invented.
    expect(data.events[0]).not.toHaveProperty('spam');
  });

  it('an empty group gives count 0 and null first / last', () => {
    const view = declaredView({ type: 'Comment.Created', recipient: 'r', events: [] }, commentSchema());
    expect(view).toEqual({ type: 'Comment.Created', recipient: 'r', count: 0, total: 0, more: 0, events: [], first: null, last: null });
  });

  it('without `to` the view names no address (the recipient is used)', () => {
    const h = declared();
    expect(h.render(group('Comment.Created', 'author-7', [{ id: 1, minutes: 0, payload: comment(1) }])).to).toBeUndefined();
  });

  it('`to` comes from the latest event (by occurredAt, not by array order)', () => {
    const h = declared({ to: 'post.author_email' });
    const email = (id: number, e: string) => comment(id, { post: { author_id: 'author-7', author_email: e } });
    const view = h.render(group('Comment.Created', 'author-7', [
      { id: 3, minutes: 60, payload: email(3, 'new@example.com') },
      { id: 1, minutes: 0, payload: email(1, 'old@example.com') },
      { id: 2, minutes: 30, payload: email(2, 'mid@example.com') },
    ]));
    expect(view.to).toBe('new@example.com');
  });

  it('an optional `to` field absent from the latest event leaves the address to the recipient', () => {
    const schema = commentSchema();
    const h = declared({ to: 'reply_to', payload: { ...schema, properties: { ...schema.properties, reply_to: { type: 'string' } } } });
    const g = (latest: Payload) => group('Comment.Created', 'author-7', [
      { id: 1, minutes: 0, payload: comment(1, { reply_to: 'first@example.com' }) },
      { id: 2, minutes: 1, payload: latest },
    ]);
    expect(h.render(g(comment(2))).to).toBeUndefined();
    expect(h.render(g(comment(2, { reply_to: '' }))).to).toBeUndefined();
    expect(h.render(g(comment(2, { reply_to: 'latest@example.com' }))).to).toBe('latest@example.com');
  });
});

describe('another declared type (other name, other payload)', () => {
  const schema = {
    type: 'object',
    required: ['ticket', 'priority'],
    additionalProperties: false,
    properties: {
      priority: { enum: ['low', 'high', 'urgent'] },
      ticket: {
        type: 'object',
        required: ['number', 'queue'],
        properties: {
          number: { type: 'integer', exclusiveMinimum: 0 },
          queue: { type: 'object', required: ['lead'], properties: { lead: { type: 'string', minLength: 1 }, pager: { type: 'string', format: 'uri' } } },
        },
      },
    },
  };
  const ticket = (n: number, lead = 'ops-lead', pager?: string) => ({ priority: 'high', ticket: { number: n, queue: { lead, ...(pager ? { pager } : {}) } } });

  it('groups by a three-segment path, validates, renders', () => {
    const { handler, issues } = declareHandler('Ticket.Escalated', { group: 'event', recipient: 'ticket.queue.lead', to: 'ticket.queue.pager', template: 'page', payload: schema }, 'events.Ticket.Escalated');
    expect(issues).toEqual([]);
    const h = handler!;
    expect(h.type).toBe('Ticket.Escalated');
    expect(h.group).toBe('event');
    expect(h.recipient(ticket(1, 'alice'))).toBe('alice');
    expect(issuesOf(h, { ...ticket(1), priority: 'meh' })).toEqual([{ path: 'priority', message: expect.stringMatching(/^must be one of "/) }]);
    expect(issuesOf(h, ticket(0)).map((i) => i.path)).toEqual(['ticket.number']);
    expect(issuesOf(h, ticket(1, 'a', 'not a uri')).map((i) => i.path)).toEqual(['ticket.queue.pager']);
    const view = h.render(group('Ticket.Escalated', 'alice', [{ id: 5, minutes: 0, payload: ticket(9, 'alice', 'https://pager.example/alice') }]));
    expect(view.to).toBe('https://pager.example/alice');
    expect(view.data).toMatchObject({ type: 'Ticket.Escalated', recipient: 'alice', count: 1, first: { priority: 'high', ticket: { number: 9 }, id: 5 } });
  });

  it('an integer recipient is stringified (grouping keys are strings)', () => {
    const { handler } = declareHandler('Ticket.Escalated', { group: 'recipient', recipient: 'ticket.number', template: 'page', payload: schema }, 'events.Ticket.Escalated');
    expect(handler!.recipient(ticket(42))).toBe('42');
  });

  it('reports problems under its own key path', () => {
    const { handler, issues } = declareHandler('Ticket.Escalated', { group: 'recipient', recipient: 'ticket.queue.pager', to: 'ticket.number', template: 'page', payload: schema }, 'events.Ticket.Escalated');
    expect(handler).toBeUndefined();
    expect(issues).toEqual([
      { path: 'events.Ticket.Escalated.recipient', message: expect.stringMatching(/"ticket\.queue\.pager" is optional/) },
      { path: 'events.Ticket.Escalated.to', message: expect.stringMatching(/"ticket\.number" is of type integer.*must be string/) },
    ]);
  });
});

describe('bad declarations: each reported under the `at` key path', () => {
  const withComment = (comment_id: Record<string, unknown>) => {
    const s = commentSchema();
    return { ...s, properties: { ...s.properties, comment_id } };
  };

  it('an invalid type name (type: objekt)', () => {
    const issues = problems({ payload: { ...commentSchema(), type: 'objekt' } });
    expect(issues.length).toBeGreaterThan(0);
    for (const i of issues) expect(i.path).toBe(`${AT}.payload.type`);
    expect(issues.map((i) => i.message).join(' ')).toMatch(/must be one of "array", "boolean", "integer"/);
  });

  it('a keyword with a value of the wrong type (minimum: "x")', () => {
    expect(problems({ payload: withComment({ type: 'integer', minimum: 'x' }) })).toEqual([
      { path: `${AT}.payload.properties.comment_id.minimum`, message: 'must be number' },
    ]);
  });

  it('an unknown keyword (typo minimun): strict mode, not silently ignored', () => {
    expect(problems({ payload: withComment({ type: 'integer', minimun: 1 }) })).toEqual([
      { path: `${AT}.payload`, message: expect.stringMatching(/invalid JSON Schema: .*unknown keyword.*minimun/) },
    ]);
  });

  it('an unknown format (typo emial)', () => {
    const s = commentSchema();
    const issues = problems({ payload: { ...s, properties: { ...s.properties, post: { ...s.properties.post, properties: { author_id: { type: 'string' }, author_email: { type: 'string', format: 'emial' } } } } } });
    expect(issues).toEqual([{ path: `${AT}.payload`, message: expect.stringMatching(/unknown format "emial"/) }]);
  });

  it('an unsupported $schema (draft-07)', () => {
    expect(problems({ payload: { $schema: 'http://json-schema.org/draft-07/schema#', ...commentSchema() } })).toEqual([
      { path: `${AT}.payload.$schema`, message: expect.stringMatching(/only JSON Schema draft 2020-12/) },
    ]);
  });

  it('a recipient path to a property the schema does not have', () => {
    expect(problems({ recipient: 'post.author' })).toEqual([
      { path: `${AT}.recipient`, message: 'the payload schema has no property "post.author"' },
    ]);
    expect(problems({ recipient: 'author_id' })).toEqual([
      { path: `${AT}.recipient`, message: 'the payload schema has no property "author_id"' },
    ]);
    // Below a leaf there is nothing either.
    expect(problems({ recipient: 'post.author_id.x' })[0]).toEqual({ path: `${AT}.recipient`, message: 'the payload schema has no property "post.author_id.x"' });
  });

  it('a recipient path to an optional property (every event needs a recipient)', () => {
    const s = commentSchema();
    const payload = { ...s, properties: { ...s.properties, post: { ...s.properties.post, properties: { ...s.properties.post.properties, editor_id: { type: 'string' } } } } };
    expect(problems({ recipient: 'post.editor_id', payload })).toEqual([
      { path: `${AT}.recipient`, message: expect.stringMatching(/"post\.editor_id" is optional.*required/) },
    ]);
    // An optional parent makes the whole path optional.
    const optionalPost = { ...s, required: ['comment_id', 'text'] };
    expect(problems({ payload: optionalPost })).toEqual([
      { path: `${AT}.recipient`, message: expect.stringMatching(/"post" is optional/) },
    ]);
  });

  it('a recipient path to an object-typed (or boolean / nullable) leaf', () => {
    expect(problems({ recipient: 'post' })).toEqual([
      { path: `${AT}.recipient`, message: expect.stringMatching(/"post" is of type object.*must be string or integer or number/) },
    ]);
    const s = commentSchema();
    const nullable = { ...s, properties: { ...s.properties, post: { ...s.properties.post, properties: { ...s.properties.post.properties, author_id: { type: ['string', 'null'] } } } } };
    expect(problems({ payload: nullable })).toEqual([{ path: `${AT}.recipient`, message: expect.stringMatching(/of type null/) }]);
  });

  it('a recipient that is not a dotted path', () => {
    expect(problems({ recipient: 'post..author_id' })).toEqual([{ path: `${AT}.recipient`, message: expect.stringMatching(/not a dotted path/) }]);
  });

  it('a `to` path that is missing, or not a string', () => {
    expect(problems({ to: 'post.email' })).toEqual([{ path: `${AT}.to`, message: 'the payload schema has no property "post.email"' }]);
    expect(problems({ to: 'comment_id' })).toEqual([{ path: `${AT}.to`, message: expect.stringMatching(/"comment_id" is of type integer.*must be string/) }]);
  });

  it('a bad recipient and a bad `to` are reported together', () => {
    expect(problems({ recipient: 'nope', to: 'nope_either' }).map((i) => i.path)).toEqual([`${AT}.recipient`, `${AT}.to`]);
  });

  it('uses the `at` given, whatever the type is called', () => {
    const { issues } = declareHandler('Invoice.Overdue', declaration({ recipient: 'customer.id' }), 'events.Invoice.Overdue');
    expect(issues).toEqual([{ path: 'events.Invoice.Overdue.recipient', message: expect.any(String) }]);
    const { issues: schemaIssues } = declareHandler('Invoice.Overdue', declaration({ payload: { type: 'objekt' } }), 'events.Invoice.Overdue');
    for (const i of schemaIssues) expect(i.path).toBe('events.Invoice.Overdue.payload.type');
  });

  it('types with the same $id do not clash (one ajv instance per type)', () => {
    const payload = { ...commentSchema(), $id: 'https://example.com/comment' };
    expect(declareHandler('A.One', declaration({ payload }), 'events.A.One').issues).toEqual([]);
    expect(declareHandler('A.Two', declaration({ payload }), 'events.A.Two').issues).toEqual([]);
  });
});

describe('$ref / $defs and allOf', () => {
  const refSchema = () => ({
    type: 'object',
    required: ['post', 'comment_id'],
    properties: { comment_id: { type: 'integer' }, post: { $ref: '#/$defs/post' } },
    $defs: {
      post: {
        type: 'object',
        required: ['author_id', 'author_email'],
        properties: { author_id: { $ref: '#/$defs/id' }, author_email: { type: 'string', format: 'email' }, title: { type: 'string' } },
      },
      id: { type: 'string', minLength: 1 },
    },
  });
  const allOfSchema = () => ({
    type: 'object',
    allOf: [
      { required: ['comment_id'], properties: { comment_id: { type: 'integer' } } },
      { required: ['post'], properties: { post: { $ref: '#/$defs/post' } } },
    ],
    $defs: refSchema().$defs,
  });

  it('follows $ref (and a $ref to a $ref) for recipient and to, and validates through them', () => {
    const h = declared({ payload: refSchema(), to: 'post.author_email' });
    expect(h.recipient({ comment_id: 1, post: { author_id: 'x', author_email: 'x@example.com' } })).toBe('x');
    expect(issuesOf(h, { comment_id: 1, post: { author_id: '', author_email: 'nope' } }).map((i) => i.path).sort()).toEqual(['post.author_email', 'post.author_id']);
    // ... and still refuses what the referenced schema does not guarantee.
    expect(problems({ payload: refSchema(), recipient: 'post.title' })[0]?.message).toMatch(/"post\.title" is optional/);
    expect(problems({ payload: refSchema(), recipient: 'post.nope' })[0]?.message).toMatch(/no property "post\.nope"/);
  });

  it('follows allOf: properties and required may come from different parts', () => {
    const h = declared({ payload: allOfSchema() });
    expect(h.recipient({ comment_id: 1, post: { author_id: 'y', author_email: 'y@example.com' } })).toBe('y');
    expect(issuesOf(h, { post: { author_id: 'y', author_email: 'y@example.com' } })).toEqual([{ path: 'comment_id', message: 'is required' }]);
    const split = { type: 'object', allOf: [{ properties: { who: { type: 'string' } } }, { required: ['who'] }] };
    expect(checkSchemaPath(split, 'who', { leafTypes: ['string'], required: true })).toBeNull();
    expect(checkSchemaPath({ type: 'object', allOf: [{ properties: { who: { type: 'string' } } }] }, 'who', { leafTypes: ['string'], required: true })).toMatch(/optional/);
  });

  // BUG (src/handlers/declared.ts withNulls): it walks only inline `properties`,
  // not `$ref`/`allOf`, so an absent optional field declared behind a $ref is
  // missing from the view instead of null, and `{{#if post.title}}` fails in a
  // strict template. Remove `.fails` once fixed.
  it('absent optional properties behind $ref / allOf are null in the view too', () => {
    const event = { id: 1, minutes: 0, payload: { comment_id: 1, post: { author_id: 'x', author_email: 'x@example.com' } } };
    const viaRef = declared({ payload: refSchema() }).render(group('Comment.Created', 'x', [event])).data as ReturnType<typeof declaredView>;
    expect(viaRef.first).toMatchObject({ post: { title: null } });
    const viaAllOf = declared({ payload: allOfSchema() }).render(group('Comment.Created', 'x', [event])).data as ReturnType<typeof declaredView>;
    expect(viaAllOf.first).toMatchObject({ post: { title: null } });
  });

  // BUG (src/handlers/schema-path.ts deref/parts): in 2020-12 `$ref` may have
  // sibling keywords; deref() replaces the node by its target, so properties
  // and required written next to `$ref` are not seen. Remove `.fails` once fixed.
  it('sees properties declared next to a $ref', () => {
    const payload = { type: 'object', $ref: '#/$defs/base', required: ['who'], properties: { who: { type: 'string' } }, $defs: { base: { type: 'object', properties: { note: { type: 'string' } } } } };
    expect(declareHandler('Ref.Sibling', declaration({ payload, recipient: 'who' }), 'events.Ref.Sibling').issues).toEqual([]);
  });

  // BUG (src/handlers/schema-path.ts parts): a schema whose allOf refers back
  // to itself (legal, ajv compiles it) recurses without end: a RangeError
  // escapes instead of a result. Remove `.fails` once fixed.
  it('a self-referencing allOf does not overflow the stack', () => {
    const payload = { type: 'object', $ref: '#/$defs/node', $defs: { node: { type: 'object', required: ['who'], properties: { who: { type: 'string' } }, allOf: [{ $ref: '#/$defs/node' }] } } };
    expect(() => declareHandler('Self.Ref', declaration({ payload, recipient: 'who' }), 'events.Self.Ref')).not.toThrow();
  });
});

describe('pick', () => {
  it('follows own properties only', () => {
    expect(pick({ a: { b: { c: 1 } } }, 'a.b.c')).toBe(1);
    expect(pick({ a: { b: null } }, 'a.b.c')).toBeUndefined();
    expect(pick({ a: [{ b: 1 }] }, 'a.0.b')).toBeUndefined();
    expect(pick({}, 'constructor')).toBeUndefined();
    expect(pick({ a: {} }, 'a.toString')).toBeUndefined();
    expect(pick(JSON.parse('{"__proto__": {"x": "y"}}'), '__proto__.x')).toBe('y');
  });
});

describe('declared types, review additions', () => {
  const schema = {
    type: 'object', required: ['id', 'shop'],
    properties: { id: { type: 'string' }, shop: { $ref: '#/$defs/shop' } },
    $defs: { shop: { type: 'object', required: ['owner'], properties: { owner: { type: 'string', format: 'email' } } } },
  };
  const h = declareHandler('Shop.Reviewed', { group: 'recipient', recipient: 'shop.owner', template: 't', payload: schema }, 'events.Shop.Reviewed').handler!;

  it('keeps a payload field named like an event field reachable under payload', () => {
    const view = h.render({ type: 'Shop.Reviewed', recipient: 'o@x.example', events: [{ id: 41, occurredAt: new Date(0), payload: { id: 'rv-9', shop: { owner: 'o@x.example' } } }] });
    const e = (view.data.events as Array<Record<string, unknown>>)[0]!;
    expect(e.id).toBe(41);
    expect((e.payload as Record<string, unknown>).id).toBe('rv-9');
  });

  it('documents the payload with local $refs inlined, so it stands inside the OpenAPI document', () => {
    const doc = h.jsonSchema();
    expect(JSON.stringify(doc)).not.toContain('$ref');
    expect(doc.$defs).toBeUndefined();
    expect(doc).toMatchObject({ properties: { shop: { type: 'object', properties: { owner: { format: 'email' } } } } });
  });

  it('leaves a recursive $ref as a reference instead of looping', () => {
    const tree = { type: 'object', required: ['who'], properties: { who: { type: 'string' }, child: { $ref: '#' } } };
    const t = declareHandler('Tree.Grown', { group: 'recipient', recipient: 'who', template: 't', payload: tree }, 'events.Tree.Grown').handler!;
    expect(JSON.stringify(t.jsonSchema())).toContain('"$ref":"#"');
  });
});
