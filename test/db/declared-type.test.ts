/**
 * A type declared entirely in the schedules file (JSON Schema, dotted paths,
 * a template beside the config), on both engines: recorded through record()
 * and by a direct SQL INSERT, grouped per recipient, rendered with the
 * documented view; a row that fails the schema fails only its own delivery.
 */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, expect, it } from 'vitest';
import { loadSchedules } from '../../src/config/schedules.js';
import { ValidationError } from '../../src/errors.js';
import { runType } from '../../src/runner/run.js';
import { selectDeliveriesOfRun } from '../../src/store/read-pages.js';
import { testApp } from '../support/app.js';
import { describeEngines, truncateAll } from '../support/engines.js';

/** A project of its own: schedules.yaml naming no handler module, templates beside it. */
function project() {
  const dir = mkdtempSync(join(tmpdir(), 'digest-declared-'));
  mkdirSync(join(dir, 'mail'));
  writeFileSync(join(dir, 'mail', 'review-digest.subject.hbs'), '{{count}} new review(s) for {{recipient}}');
  writeFileSync(join(dir, 'mail', 'review-digest.text.hbs'),
    '{{#each events}}#{{id}} {{stars}}* {{listing.title}}{{#if note}} ({{note}}){{/if}}\n{{/each}}first={{first.review_id}} last={{last.review_id}}');
  writeFileSync(join(dir, 'schedules.yaml', ), `
templates: ./mail
transports:
  mem: { kind: console }
events:
  Review.Posted:
    cadence: every 6h
    transport: mem
    recipient: listing.host_id
    to: listing.host_email
    template: review-digest
    payload:
      type: object
      required: [review_id, stars, listing]
      properties:
        review_id: { type: string, pattern: "^rv_" }
        stars: { type: integer, minimum: 1, maximum: 5 }
        note: { type: string }
        listing:
          type: object
          required: [host_id, host_email, title]
          properties:
            host_id: { type: integer }
            host_email: { type: string, format: email }
            title: { type: string }
`);
  return loadSchedules(join(dir, 'schedules.yaml'), {}).config!;
}

const review = (n: number, host: number, extra: Record<string, unknown> = {}) => ({
  review_id: `rv_${n}`, stars: 1 + (n % 5),
  listing: { host_id: host, host_email: `host${host}-v${n}@stays.example`, title: `Flat ${host}` }, ...extra,
});

describeEngines('a type declared in the schedules file', (engine) => {
  beforeEach(() => truncateAll(engine.db));

  it('records, groups per recipient path and renders the documented view; SQL-inserted rows too', async () => {
    const { ctx, recorder, transport } = await testApp(engine, { config: project(), handlers: [] });
    const t0 = Date.UTC(2026, 10, 30, 8);
    await recorder.record('Review.Posted', review(1, 7, { note: 'lovely' }), { occurredAt: new Date(t0 + 2000) });
    await recorder.record('Review.Posted', review(2, 8), { occurredAt: new Date(t0) });
    await recorder.record('Review.Posted', review(3, 7), { occurredAt: new Date(t0 + 1000) });
    // A PHP producer's INSERT: recipient as it would compute it from the payload.
    await engine.db.run('INSERT INTO digest_events (type, recipient, payload) VALUES (?, ?, ?)',
      ['Review.Posted', '8', JSON.stringify(review(4, 8))]);

    const s = await runType(ctx, { type: 'Review.Posted', trigger: 'manual' });
    expect(s).toMatchObject({ eventsClaimed: 4, deliveriesCreated: 2, deliveriesSent: 2, deliveriesFailed: 0 });
    const byHost = Object.fromEntries(transport.sent.map((m) => [m.recipient, m]));
    // Oldest first: rv_3 (t0+1s) before rv_1 (t0+2s); absent `note` is null, so #if is false.
    expect(byHost['7']!.text).toMatch(/^#\d+ 4\* Flat 7\n#\d+ 2\* Flat 7 \(lovely\)\nfirst=rv_3 last=rv_1$/);
    expect(byHost['7']!.subject).toBe('2 new review(s) for 7');
    // The address of the latest event.
    expect(byHost['7']!.to).toBe('host7-v1@stays.example');
    expect(byHost['8']!.text).toContain('first=rv_2 last=rv_4');
  });

  it('refuses an invalid payload at record() naming the path and rule; a bad SQL row fails only its own delivery', async () => {
    const { ctx, recorder, transport } = await testApp(engine, { config: project(), handlers: [] });
    const err = await recorder.record('Review.Posted', review(1, 7, { stars: 9, listing: { host_id: 7, host_email: 'nope', title: 'x' } })).catch((e) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).issues).toEqual(expect.arrayContaining([
      { path: 'payload.stars', message: 'must be <= 5' },
      { path: 'payload.listing.host_email', message: 'must match format "email"' },
    ]));
    // A direct-SQL producer's row, raw on purpose: record() refuses it, the renderer must fail it alone.
    await engine.db.run('INSERT INTO digest_events (type, recipient, payload) VALUES (?, ?, ?)',
      ['Review.Posted', '9', JSON.stringify({ review_id: 'bad', stars: 3 })]);
    await recorder.record('Review.Posted', review(2, 7));

    const s = await runType(ctx, { type: 'Review.Posted', trigger: 'manual' });
    expect(s).toMatchObject({ deliveriesCreated: 2, deliveriesSent: 1, deliveriesFailed: 1 });
    expect(transport.sent.map((m) => m.recipient)).toEqual(['7']);
    const failed = (await selectDeliveriesOfRun(engine.db, s.runId!)).find((d) => d.recipient === '9')!;
    expect(failed.error).toContain('payload.review_id: must match pattern "^rv_"');
    expect(failed.error).toContain('payload.listing: is required');
  });
});
