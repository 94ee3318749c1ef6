/**
 * Digest shaping through a real run, on both engines: a type with maxItems
 * renders the first N items and an honest "and N more", while its delivery
 * takes, links and stamps every event (the audit lists every one); a
 * declared type with collapseKey renders "X and N others"; the shop's code
 * handler honours the type's maxItems through limitItems().
 */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, expect, it } from 'vitest';
import { loadSchedules } from '../../src/config/schedules.js';
import { runType } from '../../src/runner/run.js';
import { selectDeliveryEvents } from '../../src/store/event-links.js';
import { selectDeliveriesOfRun } from '../../src/store/read-pages.js';
import { shippedConfig, testApp } from '../support/app.js';
import { describeEngines, truncateAll, type TestEngine } from '../support/engines.js';

/** A project with one declared comment type; `extra` adds keys to it (maxItems, collapseKey). */
function project(extra: string, template: string) {
  const dir = mkdtempSync(join(tmpdir(), 'digest-shaping-'));
  mkdirSync(join(dir, 'mail'));
  writeFileSync(join(dir, 'mail', 'comments.text.hbs'), template);
  writeFileSync(join(dir, 'schedules.yaml'), `
templates: ./mail
transports:
  mem: { kind: console }
events:
  Comment.Created:
    cadence: every 1h
    transport: mem
    recipient: post.author_id
    template: comments
${extra}
    payload:
      type: object
      required: [n, who, post]
      properties:
        n: { type: integer }
        who: { type: string }
        post:
          type: object
          required: [id, author_id, title]
          properties: { id: { type: string }, author_id: { type: string }, title: { type: string } }
`);
  const { config, issues } = loadSchedules(join(dir, 'schedules.yaml'), {});
  expect(issues).toEqual([]);
  return config!;
}

const comment = (n: number, who: string, post: string, author = 'amy') =>
  ({ n, who, post: { id: post, author_id: author, title: `Post ${post}` } });

/** Rows as a direct-SQL producer writes them, 500 a statement: 10,000 record() calls would be the slow part of this test. */
async function insertComments(engine: TestEngine, payloads: object[]) {
  for (let i = 0; i < payloads.length; i += 500) {
    const part = payloads.slice(i, i + 500);
    await engine.db.run(`INSERT INTO digest_events (type, recipient, payload) VALUES ${part.map(() => '(?, ?, ?)').join(', ')}`,
      part.flatMap((p) => ['Comment.Created', 'amy', JSON.stringify(p)]));
  }
}

describeEngines('max items and collapse in a real run', (engine) => {
  beforeEach(() => truncateAll(engine.db));

  it('10,000 events with maxItems 10: one delivery showing 10 items and "and 9990 more", every event linked and stamped', async () => {
    const config = project('    maxItems: 10', 'Comments on your posts ({{count}}):\n{{#each events}}#{{n}} {{who}}\n{{/each}}{{#if more}}and {{more}} more{{/if}}');
    const { ctx, transport } = await testApp(engine, { config, handlers: [] });
    await insertComments(engine, Array.from({ length: 10_000 }, (_, i) => comment(i + 1, `user${i + 1}`, `p${i % 7}`)));

    const s = await runType(ctx, { type: 'Comment.Created', trigger: 'manual' });
    expect(s).toMatchObject({ eventsClaimed: 10_000, deliveriesCreated: 1, deliveriesSent: 1, deliveriesFailed: 0 });
    expect(transport.sent).toHaveLength(1);
    // Oldest first (same occurred_at: id order), so the first ten recorded.
    const lines = Array.from({ length: 10 }, (_, i) => `#${i + 1} user${i + 1}`);
    expect(transport.sent[0]!.text).toBe(['Comments on your posts (10000):', ...lines, 'and 9990 more'].join('\n'));

    const [delivery] = await selectDeliveriesOfRun(engine.db, s.runId!);
    expect(delivery).toMatchObject({ status: 'sent' });
    // The audit (GET /v1/deliveries/:id reads the same) lists every event of the delivery.
    expect(await selectDeliveryEvents(engine.db, delivery!.id)).toHaveLength(10_000);
    const [row] = await engine.db.all<{ linked: number; stamped: number }>(
      'SELECT SUM(CASE WHEN delivery_id = ? THEN 1 ELSE 0 END) AS linked, SUM(CASE WHEN processed_at IS NOT NULL THEN 1 ELSE 0 END) AS stamped FROM digest_events',
      [delivery!.id]);
    expect([Number(row!.linked), Number(row!.stamped)]).toEqual([10_000, 10_000]);
  });

  it('N+1 events show all N+1 (never "and 1 more")', async () => {
    const config = project('    maxItems: 3', '{{#each events}}{{who}} {{/each}}total={{total}} more={{more}}');
    const { ctx, transport } = await testApp(engine, { config, handlers: [] });
    await insertComments(engine, [1, 2, 3, 4].map((n) => comment(n, `u${n}`, 'p')));
    await runType(ctx, { type: 'Comment.Created', trigger: 'manual' });
    expect(transport.sent.map((m) => m.text)).toEqual(['u1 u2 u3 u4 total=4 more=0']);
  });

  it('a declared type with collapseKey renders "X and N others", items in order of first occurrence, maxItems counting items', async () => {
    const config = project('    collapseKey: post.id\n    maxItems: 2',
      '{{#each events}}{{latest.who}}{{#if others}} and {{pluralize others "other" "others"}}{{/if}} commented on {{latest.post.title}}\n{{/each}}'
      + '{{#if more}}and {{more}} more posts ({{count}} comments){{/if}}');
    const { ctx, recorder, transport } = await testApp(engine, { config, handlers: [] });
    const t0 = Date.UTC(2026, 11, 1, 9);
    const who = ['Ann', 'Bob', 'Cy', 'Di', 'Ed', 'Flo', 'Gus'];
    // Posts a, b, a, a, c, a, d: a collapses 4 comments (latest Flo), b alone, c and d left out by maxItems 2.
    for (const [i, post] of ['a', 'b', 'a', 'a', 'c', 'a', 'd'].entries()) {
      await recorder.record('Comment.Created', comment(i + 1, who[i]!, post), { occurredAt: new Date(t0 + i * 60_000) });
    }
    const s = await runType(ctx, { type: 'Comment.Created', trigger: 'manual' });
    expect(s).toMatchObject({ eventsClaimed: 7, deliveriesSent: 1 });
    expect(transport.sent[0]!.text).toBe('Flo and 3 others commented on Post a\nBob commented on Post b\nand 2 more posts (7 comments)');
    const [delivery] = await selectDeliveriesOfRun(engine.db, s.runId!);
    expect(await selectDeliveryEvents(engine.db, delivery!.id)).toHaveLength(7);
  });

  it('the shop\'s code handler honours the type\'s maxItems: the first N requests and "and N more requests"', async () => {
    const config = shippedConfig();
    config.events['Purchase.Requested']!.maxItems = 2;
    const { ctx, recorder, transport } = await testApp(engine, { config });
    const request = (n: number, supplier: number) => ({
      request_id: n, supplier_id: supplier, supplier_email: `s${supplier}@shop.example`, customer_email: 'c@shop.example', item: `item${n}`, quantity: 1,
    });
    // Supplier 1: 5 requests (2 shown, "and 3 more"); supplier 2: 3 requests (all 3 shown).
    await recorder.recordMany([1, 2, 3, 4, 5].map((n) => ({ type: 'Purchase.Requested', payload: request(n, 1) })));
    await recorder.recordMany([6, 7, 8].map((n) => ({ type: 'Purchase.Requested', payload: request(n, 2) })));
    await runType(ctx, { type: 'Purchase.Requested', trigger: 'manual' });
    const bySupplier = Object.fromEntries(transport.sent.map((m) => [m.recipient, m]));
    const listed = (r: string) => [...bySupplier[r]!.text!.matchAll(/#(\d+):/g)].map((m) => Number(m[1]));
    expect(listed('1')).toEqual([1, 2]);
    expect(bySupplier['1']!.text).toMatch(/^You have 5 new purchase requests:\n[\s\S]*\nand 3 more requests$/);
    expect(bySupplier['1']!.html).toContain('<p>and 3 more requests</p>');
    expect(listed('2')).toEqual([6, 7, 8]);
    expect(bySupplier['2']!.text).not.toContain('more');
  });
});
