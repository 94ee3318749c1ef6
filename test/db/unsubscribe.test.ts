/**
 * One-click unsubscribe end to end, on both engines: a digest goes out
 * through a real SMTP server with both RFC 8058 headers; the template got
 * the same link; POSTing it (as a mail provider does) to the real HTTP
 * server turns that type `off` for that recipient and keeps the rest of the
 * profile; GET only asks; a forged token is refused; without `unsubscribe:`
 * configured there are no such routes and no links.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { parseSchedules } from '../../src/config/schedules.js';
import { createMetrics } from '../../src/http/metrics.js';
import { createHttpServer, listen } from '../../src/http/server.js';
import { runNow } from '../../src/runner/run-now.js';
import { createTransport } from '../../src/transports/create.js';
import type { Transport } from '../../src/transports/transport.js';
import { unsubscribeUrl } from '../../src/unsubscribe/link.js';
import { signUnsubscribeToken } from '../../src/unsubscribe/token.js';
import { testApp } from '../support/app.js';
import { parseEml } from '../support/eml.js';
import { describeEngines, truncateAll } from '../support/engines.js';
import { startSmtpServer } from '../support/smtp-server.js';

const TOKEN = 'tok-unsubscribe-0123456789';
const SECRET = 'unsubscribe-secret-0123456789abcdef';
const ANN = 'ann@shop.example';

/** Two types declared in the schedules file, one template that shows the link when there is one. */
function templatesDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'digest-unsub-templates-'));
  writeFileSync(join(dir, 'news.subject.hbs'), '{{count}} news');
  writeFileSync(join(dir, 'news.text.hbs'), '{{#each events}}{{payload.title}}\n{{/each}}{{#if unsubscribeUrl}}Unsubscribe: {{unsubscribeUrl}}{{/if}}');
  writeFileSync(join(dir, 'news.html.hbs'), '<p>{{count}} news</p>{{#if unsubscribeUrl}}<p><a href="{{unsubscribeUrl}}">Unsubscribe</a></p>{{/if}}');
  return dir;
}

const declared = (type: string) =>
  `  ${type}: { cadence: immediate, transport: mail, recipient: email, template: news, payload: { type: object, properties: { email: { type: string }, title: { type: string } }, required: [email, title] } }\n`;

const schedules = (opts: { templates: string; smtpUrl: string; publicUrl?: string; unsubscribe: boolean }) =>
  `templates: ${JSON.stringify(opts.templates)}\n`
  + (opts.publicUrl ? `publicUrl: ${opts.publicUrl}\n` : '')
  + (opts.unsubscribe ? 'unsubscribe: { secret: ${UNSUBSCRIBE_SECRET} }\n' : '')
  + `transports:\n  mail: { kind: smtp, url: "${opts.smtpUrl}", from: "Shop <news@shop.example>" }\n`
  + `events:\n${declared('News.Posted')}${declared('Alert.Raised')}`;

/** A port that was free a moment ago: publicUrl must name the server's address before it listens. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describeEngines('one-click unsubscribe', (engine) => {
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  let t: Awaited<ReturnType<typeof testApp>>;
  let mail: Transport;
  let server: FastifyInstance;
  let publicUrl: string;
  const unsubscribed: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    smtp = await startSmtpServer();
    const port = await freePort();
    publicUrl = `http://127.0.0.1:${port}`;
    const config = parseSchedules(schedules({ templates: templatesDir(), smtpUrl: smtp.url, publicUrl, unsubscribe: true }), { UNSUBSCRIBE_SECRET: SECRET });
    mail = createTransport(config.transports.mail!);
    t = await testApp(engine, { config, handlers: [], transports: { mail } });
    t.ctx.lifecycle.on('recipient.unsubscribed', (f) => void unsubscribed.push({ ...f }));
    server = await createHttpServer(t.app, { token: TOKEN, metrics: createMetrics(t.ctx) });
    await listen(server, { port, token: TOKEN });
  });
  afterAll(async () => {
    await server?.close();
    await mail?.close?.();
    await smtp?.close();
  });
  beforeEach(async () => {
    await truncateAll(engine.db);
    unsubscribed.length = 0;
  });

  /** Records one event for `to`, runs the type, returns the message the SMTP server accepted. */
  async function deliver(type: string, to: string) {
    await t.recorder.record(type, { email: to, title: `${type} for ${to}` });
    await runNow(t.ctx, { type });
    const got = smtp.state.accepted.filter((a) => a.to[0] === to).at(-1);
    expect(got, `a message to ${to}`).toBeDefined();
    return parseEml(got!.raw.replace(/\r\n/g, '\n'));
  }

  it('the digest carries both headers and the same link in its bodies; POST of that link turns the type off and keeps the rest', async () => {
    const before = await t.app.recipients.setRecipient(ANN, {
      timeZone: 'Europe/Berlin', quietHours: { start: '22:00', end: '07:00' },
      // News.Posted stays immediate here: the scheduler honouring profiles must not hold this digest back.
      preferences: { 'Alert.Raised': { frequency: 'daily', at: '09:00' }, 'News.Posted': { frequency: 'immediate' } },
    });
    const { headers, body } = await deliver('News.Posted', ANN);

    expect(headers.get('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    const link = /^<(.+)>$/.exec(headers.get('list-unsubscribe') ?? '')?.[1];
    expect(link).toBe(unsubscribeUrl(t.ctx.config, { recipient: ANN, type: 'News.Posted' }));
    expect(link!.startsWith(`${publicUrl}/u/`)).toBe(true);
    // The template saw the very same link (text and HTML parts; & and " never occur in it, so no escaping differs).
    expect(body).toContain(`Unsubscribe: ${link}`);
    expect(body).toContain(`<a href="${link}">Unsubscribe</a>`);
    const [row] = await engine.db.all<{ text: string }>('SELECT text FROM digest_deliveries');
    expect(row!.text).toContain(link);

    const res = await fetch(link!, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('no longer receive');
    const after = await t.app.recipients.getRecipient(ANN);
    expect(after).toMatchObject({
      timeZone: 'Europe/Berlin', quietHours: { start: '22:00', end: '07:00' },
      preferences: { 'Alert.Raised': { frequency: 'daily', at: '09:00' }, 'News.Posted': { frequency: 'off' } },
    });
    expect(before.preferences['News.Posted']).toEqual({ frequency: 'immediate' });
    // Logged by type only: never the address.
    expect(unsubscribed).toEqual([{ type: 'News.Posted' }]);

    // Their next events are suppressed: stamped under a `suppressed` delivery, nothing sent.
    const sentBefore = smtp.state.accepted.length;
    await t.recorder.record('News.Posted', { email: ANN, title: 'after the unsubscribe' });
    await runNow(t.ctx, { type: 'News.Posted' });
    expect(smtp.state.accepted).toHaveLength(sentBefore);
    const rows = await engine.db.all<{ status: string }>('SELECT status FROM digest_deliveries ORDER BY id');
    expect(rows.map((r) => r.status)).toEqual(['sent', 'suppressed']);
  });

  it('GET shows a confirmation page with a form that POSTs, and changes nothing', async () => {
    const before = await t.app.recipients.setRecipient(ANN, { locale: 'de', preferences: { 'News.Posted': { frequency: 'weekly', at: '08:00', day: 'mon' } } });
    const link = unsubscribeUrl(t.ctx.config, { recipient: ANN, type: 'News.Posted' })!;
    const res = await fetch(link);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const page = await res.text();
    expect(page).toMatch(/<form method="post">[\s\S]*<button type="submit">Unsubscribe<\/button>[\s\S]*<\/form>/);
    expect(page).toContain('News.Posted');
    expect(page).not.toContain(ANN);
    expect(await t.app.recipients.getRecipient(ANN)).toEqual(before);
    expect(unsubscribed).toEqual([]);
    // The page's own form: a urlencoded POST to the same URL.
    const posted = await fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(posted.status).toBe(200);
    // The type's old preference is replaced whole: no stale `at` or `day` beside `off`.
    expect(await t.app.recipients.getRecipient(ANN)).toMatchObject({ locale: 'de', preferences: { 'News.Posted': { frequency: 'off' } } });
    expect((await t.app.recipients.getRecipient(ANN))!.preferences).toEqual({ 'News.Posted': { frequency: 'off' } });
  });

  it('a recipient without a profile gets one; an empty or multipart POST works too, and again changes nothing more', async () => {
    const bob = 'Bob@shop.example';
    const link = unsubscribeUrl(t.ctx.config, { recipient: bob, type: 'Alert.Raised' })!;
    expect(await t.app.recipients.getRecipient(bob)).toBeNull();
    expect((await fetch(link, { method: 'POST' })).status).toBe(200);
    expect(await t.app.recipients.getRecipient(bob)).toMatchObject({ timeZone: null, locale: null, quietHours: null, preferences: { 'Alert.Raised': { frequency: 'off' } } });
    const form = new FormData();
    form.set('List-Unsubscribe', 'One-Click');
    expect((await fetch(link, { method: 'POST', body: form })).status).toBe(200);
    const other = unsubscribeUrl(t.ctx.config, { recipient: bob, type: 'News.Posted' })!;
    expect((await fetch(other, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{not json' })).status).toBe(200);
    expect((await t.app.recipients.getRecipient(bob))!.preferences).toEqual({ 'Alert.Raised': { frequency: 'off' }, 'News.Posted': { frequency: 'off' } });
    // Keys compare exactly: bob@ is someone else.
    expect(await t.app.recipients.getRecipient('bob@shop.example')).toBeNull();
  });

  it('two unsubscribes of one recipient at once both land', async () => {
    const links = ['News.Posted', 'Alert.Raised'].map((type) => unsubscribeUrl(t.ctx.config, { recipient: ANN, type })!);
    const answers = await Promise.all(links.map((l) => fetch(l, { method: 'POST' })));
    expect(answers.map((r) => r.status)).toEqual([200, 200]);
    expect((await t.app.recipients.getRecipient(ANN))!.preferences).toEqual({ 'News.Posted': { frequency: 'off' }, 'Alert.Raised': { frequency: 'off' } });
  });

  it('a forged, altered or foreign token gets 403 on GET and POST, and nothing is stored', async () => {
    const good = signUnsubscribeToken(SECRET, { recipient: ANN, type: 'News.Posted' });
    const [payload, mac] = good.split('.') as [string, string];
    const bobPayload = Buffer.from(JSON.stringify(['bob@shop.example', 'News.Posted'])).toString('base64url');
    const bad = [
      signUnsubscribeToken('another-secret-0123456789abcdef', { recipient: ANN, type: 'News.Posted' }),
      `${bobPayload}.${mac}`,
      `${payload}.${mac.slice(0, -2)}`,
      'not-a-token',
      `${payload}.<script>`,
    ];
    for (const token of bad) {
      const url = `${publicUrl}/u/${encodeURIComponent(token)}`;
      const got = await fetch(url);
      expect(got.status, token).toBe(403);
      const page = await got.text();
      expect(page).not.toContain('<script>');
      expect(page).toContain('not valid');
      expect((await fetch(url, { method: 'POST', body: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).status, token).toBe(403);
    }
    expect(await engine.db.all('SELECT recipient FROM digest_recipients')).toEqual([]);
    expect(unsubscribed).toEqual([]);
  });

  it('the page escapes what the token names', async () => {
    // Only someone holding the secret can sign such a token; the page must still not become markup.
    const link = unsubscribeUrl(t.ctx.config, { recipient: ANN, type: '<img src=x onerror=alert(1)>&"' })!;
    const page = await (await fetch(link)).text();
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;&amp;&quot;');
    expect(page).not.toContain('<img');
    // A type that is not configured: nothing to turn off, nothing stored.
    expect((await fetch(link, { method: 'POST' })).status).toBe(200);
    expect(await t.app.recipients.getRecipient(ANN)).toBeNull();
  });

  it('the API itself stays behind the token', async () => {
    expect((await fetch(`${publicUrl}/v1/recipients/${encodeURIComponent(ANN)}`)).status).toBe(401);
  });
});

describeEngines('without unsubscribe configured', (engine) => {
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  let t: Awaited<ReturnType<typeof testApp>>;
  let server: FastifyInstance;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    // publicUrl alone enables nothing.
    const config = parseSchedules(schedules({ templates: templatesDir(), smtpUrl: smtp.url, publicUrl: 'https://digest.shop.example', unsubscribe: false }), {});
    t = await testApp(engine, { config, handlers: [] });
    server = await createHttpServer(t.app, { token: TOKEN, metrics: createMetrics(t.ctx) });
  });
  afterAll(async () => {
    await server?.close();
    await smtp?.close();
  });

  it('there are no /u/ routes: 404 (with the API token; 401 without, like any other path)', async () => {
    const token = signUnsubscribeToken(SECRET, { recipient: ANN, type: 'News.Posted' });
    const auth = { authorization: `Bearer ${TOKEN}` };
    expect((await server.inject({ method: 'GET', url: `/u/${token}`, headers: auth })).statusCode).toBe(404);
    expect((await server.inject({ method: 'POST', url: `/u/${token}`, headers: auth })).statusCode).toBe(404);
    expect((await server.inject({ method: 'POST', url: `/u/${token}` })).statusCode).toBe(401);
    expect(await engine.db.all('SELECT recipient FROM digest_recipients')).toEqual([]);
  });

  it('messages carry no link: neither in the template context nor as a header', async () => {
    await t.recorder.record('News.Posted', { email: ANN, title: 'Hello' });
    await runNow(t.ctx, { type: 'News.Posted' });
    const [sent] = t.transport.sent;
    expect(sent).toBeDefined();
    expect(sent!.text).toBe('Hello');
    expect(sent).not.toHaveProperty('unsubscribeUrl');
  });
});
