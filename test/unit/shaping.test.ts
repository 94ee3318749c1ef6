/**
 * Digest shaping, pure: limitItems (max items with an honest "and N more",
 * never "and 1 more"), collapse (one item per key, in order of first
 * occurrence), the declared view built from both, and the config rules for
 * maxItems / collapseKey, reported with every other problem at start.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseSchedules } from '../../src/config/schedules.js';
import { ConfigError, type Issue } from '../../src/errors.js';
import { readEnv } from '../../src/config/env.js';
import { collapse, defineHandler, limitItems, type GroupEvent } from '../../src/index.js';
import { declaredView } from '../../src/handlers/declared.js';
import { checkShaping } from '../../src/handlers/shaping-check.js';
import { loadSetup } from '../../src/setup.js';
import { loadTemplates } from '../../src/render/renderer.js';
import { issuesOf } from '../support/config-issues.js';

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe('limitItems', () => {
  it('0 events: nothing shown, total 0, more 0', () => {
    expect(limitItems([], 10)).toEqual({ items: [], total: 0, more: 0 });
  });

  it('1 event: shown', () => {
    expect(limitItems(['a'], 10)).toEqual({ items: ['a'], total: 1, more: 0 });
  });

  it('exactly N: all shown, more 0', () => {
    expect(limitItems(range(10), 10)).toEqual({ items: range(10), total: 10, more: 0 });
  });

  it('N+1: all N+1 shown rather than "and 1 more"', () => {
    expect(limitItems(range(11), 10)).toEqual({ items: range(11), total: 11, more: 0 });
  });

  it('N+2: the first N shown, more 2', () => {
    expect(limitItems(range(12), 10)).toEqual({ items: range(10), total: 12, more: 2 });
  });

  it('10,000 events: the first N in the order given, more = total − N', () => {
    const items = range(10_000).reverse();
    const out = limitItems(items, 10);
    expect(out.items).toEqual(items.slice(0, 10));
    expect(out).toMatchObject({ total: 10_000, more: 9_990 });
    // The caller's list is not touched.
    expect(items).toHaveLength(10_000);
  });

  it('never says "and 1 more", whatever the cap and the count', () => {
    for (const max of [1, 2, 5]) {
      for (const n of range(12)) {
        const { items, total, more } = limitItems(range(n), max);
        expect(more).not.toBe(1);
        expect(items.length + more).toBe(total);
        expect(items.length).toBeLessThanOrEqual(max + 1);
      }
    }
  });

  it('without a cap shows everything; a cap that is not a positive integer is refused', () => {
    expect(limitItems(range(5000))).toMatchObject({ total: 5000, more: 0 });
    expect(limitItems(range(5000)).items).toHaveLength(5000);
    expect(() => limitItems([1], 0)).toThrow(/maxItems must be a positive integer/);
    expect(() => limitItems([1], 2.5)).toThrow(RangeError);
  });
});

const t0 = Date.UTC(2026, 11, 1, 9);
const ev = <P>(id: number, minutes: number, payload: P): GroupEvent<P> => ({ id, occurredAt: new Date(t0 + minutes * 60_000), payload });

describe('collapse', () => {
  it('mixed keys: one item per key in order of first occurrence, with count, first and latest', () => {
    const events = [
      ev(1, 0, { post: { id: 'p1' }, author: 'Ann' }),
      ev(2, 1, { post: { id: 'p2' }, author: 'Bob' }),
      ev(3, 2, { post: { id: 'p1' }, author: 'Cy' }),
      ev(4, 3, { post: { id: 'p1' }, author: 'Di' }),
      ev(5, 4, { post: { id: 'p3' }, author: 'Ed' }),
      ev(6, 5, { post: { id: 'p2' }, author: 'Flo' }),
    ];
    const items = collapse(events, 'post.id');
    expect(items.map((i) => [i.key, i.count, i.others, i.first.payload.author, i.latest.payload.author])).toEqual([
      ['p1', 3, 2, 'Ann', 'Di'],
      ['p2', 2, 1, 'Bob', 'Flo'],
      ['p3', 1, 0, 'Ed', 'Ed'],
    ]);
    expect(items[0]!.events.map((e) => e.id)).toEqual([1, 3, 4]);
  });

  it('first and latest follow occurredAt (then id), not the order given', () => {
    const items = collapse([ev(9, 10, { k: 1 }), ev(7, 0, { k: 1 }), ev(8, 10, { k: 1 })], 'k');
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ count: 3, first: { id: 7 }, latest: { id: 9 } });
  });

  it('events without the key each stay an item of their own, in place', () => {
    const items = collapse([ev(1, 0, { k: 'a' }), ev(2, 1, {}), ev(3, 2, { k: null }), ev(4, 3, { k: 'a' }), ev(5, 4, {})], 'k');
    expect(items.map((i) => [i.key, i.events.map((e) => e.id)])).toEqual([['a', [1, 4]], [null, [2]], [null, [3]], [null, [5]]]);
  });

  it('keys compare by value and type; a function key works too; no key: one item per event', () => {
    expect(collapse<{ k: unknown }>([ev(1, 0, { k: 1 }), ev(2, 1, { k: '1' }), ev(3, 2, { k: 1 })], 'k').map((i) => i.count)).toEqual([2, 1]);
    expect(collapse([ev(1, 0, { n: 'Ann' }), ev(2, 1, { n: 'ann' })], (p) => p.n.toLowerCase()).map((i) => i.count)).toEqual([2]);
    expect(collapse([ev(1, 0, { k: 1 }), ev(2, 1, { k: 1 })]).map((i) => i.count)).toEqual([1, 1]);
  });

  it('then max items counts items, not events', () => {
    const events = range(30).map((n) => ev(n, n, { post: `p${n % 13}` }));
    const shown = limitItems(collapse(events, 'post'), 10);
    expect(shown).toMatchObject({ total: 13, more: 3 });
    expect(shown.items.map((i) => i.key)).toEqual(['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8', 'p9', 'p10']);
  });
});

const commentSchema = {
  type: 'object',
  required: ['post', 'author'],
  properties: {
    author: { type: 'string' },
    note: { type: 'string' },
    post: { type: 'object', required: ['id'], properties: { id: { type: 'string' }, title: { type: 'string' } } },
  },
};

describe('the declared view, shaped', () => {
  const comments = (n: number) => range(n).map((i) => ev(i, n - i, { post: { id: `p${i % 3}`, title: `Post ${i % 3}` }, author: `user${i}` }));

  it('maxItems: the first N events (oldest first), total and more; count, first and last about all events', () => {
    const view = declaredView({ type: 'C', recipient: 'r', events: comments(25), maxItems: 10 }, commentSchema);
    expect(view).toMatchObject({ count: 25, total: 25, more: 15 });
    // Oldest first: event 25 is the oldest (minute 0).
    expect(view.events.map((e) => e.id)).toEqual([25, 24, 23, 22, 21, 20, 19, 18, 17, 16]);
    expect(view.first).toMatchObject({ id: 25 });
    expect(view.last).toMatchObject({ id: 1 });
    // Undeclared-but-absent fields are null here as well (strict templates).
    expect(view.events[0]).toMatchObject({ note: null, post: { id: 'p1' }, author: 'user25' });
  });

  it('collapseKey: events become items { key, count, others, first, latest, events }, then maxItems counts items', () => {
    const view = declaredView({ type: 'C', recipient: 'r', events: comments(7), collapseKey: 'post.id', maxItems: 1 }, commentSchema);
    // Oldest first is 7, 6, 5 … so the keys first occur as p1 (7), p0 (6), p2 (5).
    expect(view).toMatchObject({ count: 7, total: 3, more: 2 });
    expect(view.events).toHaveLength(1);
    expect(view.events[0]).toMatchObject({
      key: 'p1', count: 3, others: 2, first: { id: 7, author: 'user7', note: null }, latest: { id: 1, author: 'user1' },
    });
    expect((view.events[0]!.events as Array<{ id: number }>).map((e) => e.id)).toEqual([7, 4, 1]);
  });

  it('renders "X and N others" through a strict template', () => {
    const dir = mkdtempSync(join(tmpdir(), 'digest-shaping-tpl-'));
    writeFileSync(join(dir, 'comments.text.hbs'),
      '{{#each events}}{{latest.author}}{{#if others}} and {{pluralize others "other" "others"}}{{/if}} commented on {{latest.post.title}}\n{{/each}}');
    const renderer = loadTemplates(dir);
    const view = declaredView({ type: 'C', recipient: 'r', events: comments(7), collapseKey: 'post.id' }, commentSchema);
    expect(renderer.render('comments', view).text).toBe('user1 and 2 others commented on Post 1\nuser3 and 1 other commented on Post 0\nuser2 and 1 other commented on Post 2');
  });
});

describe('a code handler applying the type\'s settings (the README example)', () => {
  const handler = defineHandler({
    type: 'Comment.Created',
    payload: z.object({ post: z.object({ id: z.string(), title: z.string() }), author: z.string() }),
    recipient: (p) => p.post.id,
    template: 'comments',
    render: (group) => {
      const items = collapse(group.events, group.collapseKey); // no key: one item per event
      const { items: shown, total, more } = limitItems(items, group.maxItems);
      return { data: { posts: shown.map((i) => ({ title: i.latest.payload.post.title, count: i.count })), total, more } };
    },
  });
  const events = range(9).map((n) => ev(n, n, { post: { id: `p${n % 4}`, title: `T${n % 4}` }, author: `a${n}` }));

  it('collapses and caps as the group says', () => {
    expect(handler.render({ type: 'Comment.Created', recipient: 'r', events, collapseKey: 'post.id', maxItems: 2 }).data).toEqual({
      posts: [{ title: 'T1', count: 3 }, { title: 'T2', count: 2 }], total: 4, more: 2,
    });
  });

  it('without settings lists every event', () => {
    const data = handler.render({ type: 'Comment.Created', recipient: 'r', events }).data as { posts: unknown[]; total: number; more: number };
    expect(data).toMatchObject({ total: 9, more: 0 });
    expect(data.posts).toHaveLength(9);
  });
});

describe('config: maxItems and collapseKey', () => {
  const base = 'transports: { c: { kind: console } }\nevents:\n';

  it('are read into the type config', () => {
    const config = parseSchedules(`${base}  A.B: { cadence: immediate, transport: c, maxItems: 10, collapseKey: post.id }\n`, {});
    expect(config.events['A.B']).toMatchObject({ maxItems: 10, collapseKey: 'post.id' });
    expect(parseSchedules(`${base}  A.B: { cadence: immediate, transport: c, maxItems: "\${N}" }\n`, { N: '5' }).events['A.B']!.maxItems).toBe(5);
    expect(parseSchedules(`${base}  A.B: { cadence: immediate, transport: c }\n`, {}).events['A.B']).not.toHaveProperty('maxItems');
  });

  it('maxItems not a positive integer, collapseKey empty or not a dotted path: each named with its rule, all at once', () => {
    expect(issuesOf([
      base,
      '  A.B: { cadence: immediate, transport: c, maxItems: 0 }\n',
      '  A.C: { cadence: immediate, transport: c, maxItems: 2.5 }\n',
      '  A.D: { cadence: immediate, transport: c, maxItems: ten }\n',
      '  A.E: { cadence: immediate, transport: c, collapseKey: "" }\n',
      '  A.F: { cadence: immediate, transport: c, collapseKey: post..id }\n',
      '  A.G: { cadence: sometimes, transport: c }\n',
    ].join(''))).toEqual([
      { path: 'events.A.B.maxItems', message: 'must be a positive integer' },
      { path: 'events.A.C.maxItems', message: 'must be an integer' },
      { path: 'events.A.D.maxItems', message: 'must be a number' },
      { path: 'events.A.E.collapseKey', message: 'must not be empty' },
      { path: 'events.A.F.collapseKey', message: 'must be a dotted payload path (e.g. post.id)' },
      { path: 'events.A.G.cadence', message: expect.stringContaining('sometimes') },
    ]);
  });

  it('a collapseKey the payload schema cannot produce is an error at its key path, for code handlers too', () => {
    const config = parseSchedules([
      base,
      '  Code.Ok: { cadence: immediate, transport: c, collapseKey: post.id }\n',
      '  Code.Bad: { cadence: immediate, transport: c, collapseKey: post.nope }\n',
      '  Code.Object: { cadence: immediate, transport: c, collapseKey: post }\n',
      '  Code.Open: { cadence: immediate, transport: c, collapseKey: any.thing }\n',
    ].join(''), {});
    const payload = z.object({ post: z.object({ id: z.string() }), who: z.string().optional() });
    const handlers = new Map(['Code.Ok', 'Code.Bad', 'Code.Object'].map((type) => [type, defineHandler({
      type, payload, recipient: (p) => p.post.id, template: 't', render: () => ({ data: {} }),
    })]));
    // A schema that says nothing about properties (here: any JSON) cannot be checked, and is trusted.
    handlers.set('Code.Open', defineHandler({ type: 'Code.Open', payload: z.any(), recipient: () => 'x', template: 't', render: () => ({ data: {} }) }));
    expect(checkShaping(config, (t) => handlers.get(t))).toEqual([
      { path: 'events.Code.Bad.collapseKey', message: 'the payload schema has no property "post.nope"' },
      { path: 'events.Code.Object.collapseKey', message: expect.stringMatching(/"post" is of type object .* must be string or integer or number or boolean/) },
    ]);
  });

  it('on a type grouped per event, either setting is an error (one event per message: nothing to shape)', () => {
    const config = parseSchedules(`${base}  Per.Event: { cadence: immediate, transport: c, maxItems: 5, collapseKey: id }\n`, {});
    const handler = defineHandler({
      type: 'Per.Event', payload: z.object({ id: z.string() }), recipient: (p) => p.id, group: 'event', template: 't', render: () => ({ data: {} }),
    });
    expect(checkShaping(config, () => handler)).toEqual([
      { path: 'events.Per.Event.maxItems', message: 'has no effect on a type grouped per event (one event per message)' },
      { path: 'events.Per.Event.collapseKey', message: 'has no effect on a type grouped per event (one event per message)' },
    ]);
  });

  it('are listed with every other problem at start (loadSetup)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'digest-shaping-'));
    mkdirSync(join(dir, 'tpl'));
    writeFileSync(join(dir, 'tpl', 'c.text.hbs'), '{{count}}');
    const payload = JSON.stringify(commentSchema);
    writeFileSync(join(dir, 'schedules.yaml'), [
      'templates: tpl',
      'transports: { c: { kind: console } }',
      'events:',
      `  Comment.Created: { cadence: every 1h, transport: c, recipient: author, template: c, collapseKey: post.slug, payload: ${payload} }`,
      `  Comment.Edited: { cadence: every 1h, transport: c, recipient: author, template: c, maxItems: -3, payload: ${payload} }`,
      `  Comment.Gone: { cadence: every 1h, transport: nowhere, recipient: author, template: c, payload: ${payload} }`,
      '',
    ].join('\n'));
    const err = await loadSetup({ config: join(dir, 'schedules.yaml'), env: readEnv({}) }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).issues).toEqual(expect.arrayContaining<Issue>([
      { path: 'events.Comment.Created.collapseKey', message: 'the payload schema has no property "post.slug"' },
      { path: 'events.Comment.Edited.maxItems', message: 'must be a positive integer' },
      { path: 'events.Comment.Gone.transport', message: expect.stringContaining('unknown transport "nowhere"') },
    ]));
    expect((err as ConfigError).issues).toHaveLength(3);
  });
});
