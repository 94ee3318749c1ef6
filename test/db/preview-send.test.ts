/**
 * Preview equals send (issue 16), on both engines: the dry run of a type
 * (library, `GET /v1/schedules/:type/preview?recipient=`) renders, then a
 * real `run now` sends through a file transport, and the two are compared
 * byte for byte: subject, text and html as the transport was handed them,
 * and every header field of the written .eml but Date and Message-ID (the
 * delivery's row id, which only the claim creates: runner/preview.ts).
 * The recipients cover what a real run decides besides rendering: a profile
 * (German, Berlin) whose daily window had held its events (run now sends
 * them), no profile, a recipient who turned the type off, an address on the
 * suppression list; the type has one-click unsubscribe.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { parseSchedules } from '../../src/config/schedules.js';
import { createMetrics } from '../../src/http/metrics.js';
import { createHttpServer } from '../../src/http/server.js';
import { type PreviewMessage, previewType } from '../../src/runner/preview.js';
import { runType } from '../../src/runner/run.js';
import { runNow } from '../../src/runner/run-now.js';
import { createTransport } from '../../src/transports/create.js';
import { emlFileName } from '../../src/transports/file.js';
import type { OutgoingMessage, Transport } from '../../src/transports/transport.js';
import { testApp } from '../support/app.js';
import { parseEml } from '../support/eml.js';
import { describeEngines, truncateAll } from '../support/engines.js';

const TOKEN = 'tok-preview-0123456789';
const TYPE = 'News.Posted';
const [ANN, BOB, CARL, DORA] = ['ann@shop.example', 'bob@shop.example', 'carl@shop.example', 'dora@shop.example'];

function schedules(outbox: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'digest-preview-templates-'));
  writeFileSync(join(dir, 'news.subject.hbs'), '{{count}} news for {{recipient}}');
  writeFileSync(join(dir, 'news.text.hbs'), '{{#each events}}- {{payload.title}}, {{date occurredAt "d LLLL yyyy HH:mm ZZ"}}\n{{/each}}Unsubscribe: {{unsubscribeUrl}}');
  writeFileSync(join(dir, 'news.de.text.hbs'), '{{#each events}}- {{payload.title}}, {{date occurredAt "d. LLLL yyyy HH:mm ZZ"}}\n{{/each}}Abbestellen: {{unsubscribeUrl}}');
  writeFileSync(join(dir, 'news.html.hbs'), '<ul>{{#each events}}<li>{{payload.title}} &amp; more</li>{{/each}}</ul><a href="{{unsubscribeUrl}}">Unsubscribe</a>');
  return `templates: ${JSON.stringify(dir)}\npublicUrl: https://digest.shop.example\nunsubscribe: { secret: unsubscribe-secret-0123456789abcdef }\n`
    + `transports:\n  mail: { kind: file, dir: ${JSON.stringify(outbox)}, from: "Shop <news@shop.example>" }\n`
    + `events:\n  ${TYPE}: { cadence: every 1h, timezone: America/New_York, transport: mail, recipient: email, template: news, `
    + 'payload: { type: object, properties: { email: { type: string }, title: { type: string } }, required: [email, title] } }\n';
}

/** The file transport, with every message it is handed kept as it was handed (single sends and batches). */
function capturing(inner: Transport) {
  const handed: OutgoingMessage[] = [];
  const transport: Transport = {
    ...inner,
    send: (m) => { handed.push(m); return inner.send(m); },
    ...(inner.sendBatch && { sendBatch: (ms: OutgoingMessage[]) => { handed.push(...ms); return inner.sendBatch!(ms); } }),
  };
  return { transport, handed };
}

/** Header fields a composer writes on its own, for every message: not the preview's to give. */
const COMPOSER_FIELDS = ['date', 'message-id', 'mime-version', 'content-type', 'content-transfer-encoding'];

describeEngines('a preview renders exactly what run now sends', (engine) => {
  let outbox: string;
  let t: Awaited<ReturnType<typeof testApp>>;
  let file: ReturnType<typeof capturing>;
  let server: FastifyInstance;

  beforeAll(async () => {
    outbox = mkdtempSync(join(tmpdir(), 'digest-preview-outbox-'));
    const config = parseSchedules(schedules(outbox), {});
    file = capturing(createTransport(config.transports.mail!));
    t = await testApp(engine, { config, handlers: [], transports: { mail: file.transport } });
    server = await createHttpServer(t.app, { token: TOKEN, metrics: createMetrics(t.ctx) });
  });
  afterAll(async () => {
    await server?.close();
    await file?.transport.close?.();
  });
  beforeEach(() => truncateAll(engine.db));

  const record = (email: string, title: string, occurredAt = new Date(Date.UTC(2026, 0, 15, 23, 30))) =>
    t.recorder.record(TYPE, { email, title }, { occurredAt });

  async function httpPreview(recipient?: string): Promise<PreviewMessage[]> {
    const res = await server.inject({
      method: 'GET', url: `/v1/schedules/${TYPE}/preview${recipient ? `?recipient=${encodeURIComponent(recipient)}` : ''}`,
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as { type: string; messages: PreviewMessage[] };
    expect(body.type).toBe(TYPE);
    return body.messages;
  }

  it('subject, bodies and every header but Date and Message-ID are the bytes a real run now sends; off and suppressed recipients are named', async () => {
    // Ann: German, Berlin, a daily digest at 09:00. A scheduled run holds her
    // fresh events for her window; run now sends held events too.
    await t.app.recipients.setRecipient(ANN, {
      locale: 'de', timeZone: 'Europe/Berlin', preferences: { [TYPE]: { frequency: 'daily', at: '09:00' } },
    });
    await record(ANN, 'Über uns');
    await record(ANN, 'Zweite Meldung', new Date(Date.UTC(2026, 0, 16, 8, 0)));
    const scheduled = await runType(t.ctx, { type: TYPE, trigger: 'followup' });
    expect(scheduled.eventsClaimed).toBe(0);
    const held = await engine.db.all<{ n: number }>('SELECT COUNT(*) AS n FROM digest_events WHERE held_until IS NOT NULL');
    expect(Number(held[0]!.n)).toBe(2);

    await record(BOB, 'Sale starts');
    await record(BOB, 'Sale ends');
    await record(BOB, 'Thanks');
    await t.app.recipients.setRecipient(CARL, { preferences: { [TYPE]: { frequency: 'off' } } });
    await record(CARL, 'Not for Carl');
    await t.app.suppressions.suppress(DORA, 'bounce');
    await record(DORA, 'Not for Dora');

    const preview = await previewType(t.ctx, TYPE);
    expect(preview.map((m) => m.recipient).sort()).toEqual([ANN, BOB, CARL, DORA]);
    const of = (r: string) => preview.find((m) => m.recipient === r)!;
    // The HTTP preview with ?recipient= is the library's, for that recipient alone.
    expect(await httpPreview(ANN)).toEqual([of(ANN)]);
    expect(await httpPreview()).toEqual(preview);
    // So is `digest run now --dry-run --recipient` (runNow is what the CLI calls).
    expect(await runNow(t.ctx, { type: TYPE, dryRun: true, recipient: ANN })).toEqual([{ type: TYPE, dryRun: true, messages: [of(ANN)] }]);
    expect(of(CARL)).toEqual({ recipient: CARL, events: [expect.any(Number)], suppressed: `the recipient turned ${TYPE} off` });
    expect(of(DORA)).toMatchObject({ recipient: DORA, to: DORA, suppressed: 'the address is on the suppression list (bounce)' });
    expect(of(DORA).text).toBeUndefined();
    // Ann's is German, in Berlin time (the profile), and carries the held events.
    expect(of(ANN).events).toHaveLength(2);
    expect(of(ANN).text).toContain('- Über uns, 16. Januar 2026 00:30 +01:00');
    expect(of(BOB).text).toContain('- Thanks, 15 January 2026 18:30 -05:00');

    const results = await runNow(t.ctx, { type: TYPE });
    expect(results[0]!.dryRun === false && results[0]!.summary.deliveriesSent).toBe(2);
    expect(file.handed.map((m) => m.recipient).sort()).toEqual([ANN, BOB]);

    for (const r of [ANN, BOB]) {
      const p = of(r);
      const sent = file.handed.find((m) => m.recipient === r)!;
      expect(sent.subject, `${r} subject`).toBe(p.subject);
      expect(sent.text, `${r} text`).toBe(p.text);
      expect(sent.html, `${r} html`).toBe(p.html);
      expect(sent.to).toBe(p.to);
      // The same events went into the delivery.
      const linked = await engine.db.all<{ id: number }>('SELECT id FROM digest_events WHERE delivery_id = ? ORDER BY id', [sent.deliveryId]);
      expect(linked.map((e) => Number(e.id))).toEqual(p.events);
      // The written message: every header field the preview gives, value for value, and no other but the composer's own.
      const { headers } = parseEml(readFileSync(join(outbox, emlFileName(sent.deliveryId)), 'utf8'));
      expect(p.headers).toBeDefined();
      for (const [name, value] of Object.entries(p.headers!)) expect(headers.get(name.toLowerCase()), `${r} ${name}`).toBe(value);
      const extra = [...headers.keys()].filter((h) => !COMPOSER_FIELDS.includes(h) && !Object.keys(p.headers!).some((n) => n.toLowerCase() === h));
      expect(extra, `${r}: header fields the preview does not show`).toEqual([]);
      expect(p.headers!['List-Unsubscribe']).toMatch(/^<https:\/\/digest\.shop\.example\/u\/[^>]+>$/);
      // The Message-ID is the delivery's (runner/message-id.ts), the one header a preview cannot know.
      expect(headers.get('message-id')).toBe(`<delivery.${sent.deliveryId}@${t.ctx.messageIdDomain}>`);
    }
    // Off and suppressed: no message, deliveries ended suppressed.
    const statuses = await engine.db.all<{ recipient: string; status: string }>('SELECT recipient, status FROM digest_deliveries ORDER BY recipient');
    expect(statuses.map((s) => [s.recipient, s.status])).toEqual([[ANN, 'sent'], [BOB, 'sent'], [CARL, 'suppressed'], [DORA, 'suppressed']]);
  });

  it('GET /v1/schedules/:type/preview is in /openapi.json, answers 404 for an unknown type and 400 for an empty recipient', async () => {
    const spec = (await server.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, { get?: { parameters?: Array<{ name: string }> } }> };
    const op = spec.paths['/v1/schedules/{type}/preview']?.get;
    expect(op?.parameters?.map((p) => p.name).sort()).toEqual(['recipient', 'type']);
    const auth = { authorization: `Bearer ${TOKEN}` };
    expect((await server.inject({ method: 'GET', url: '/v1/schedules/No.Such/preview', headers: auth })).statusCode).toBe(404);
    expect((await server.inject({ method: 'GET', url: `/v1/schedules/${TYPE}/preview?recipient=`, headers: auth })).statusCode).toBe(400);
    expect((await server.inject({ method: 'GET', url: `/v1/schedules/${TYPE}/preview` })).statusCode).toBe(401);
  });

  it('a recipient with more events than one delivery takes: the preview lists the follow-up deliveries run now sends', async () => {
    const many = 1_005;
    for (let i = 0; i < many; i += 201) {
      await Promise.all(Array.from({ length: Math.min(201, many - i) }, (_, j) => record(BOB, `n${i + j}`)));
    }
    const preview = await previewType(t.ctx, TYPE, BOB);
    expect(preview.map((m) => m.events.length)).toEqual([1000, 5]);
    await runNow(t.ctx, { type: TYPE, recipient: BOB });
    const sent = file.handed.filter((m) => m.recipient === BOB).slice(-2);
    expect(sent.map((m) => m.subject)).toEqual(preview.map((m) => m.subject));
    expect(sent.map((m) => m.text)).toEqual(preview.map((m) => m.text));
  });
});
