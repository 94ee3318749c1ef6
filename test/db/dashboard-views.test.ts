/**
 * The dashboard's views in a real browser (Debian's chromium) over a database
 * with a few thousand deliveries: charts, filters and search, the message as
 * sent in a sandboxed iframe, retry from the UI, the recipient and schedules
 * pages, a phone-width screen. Screenshots go to test/artifacts/ (git-ignored).
 * The server is up before the drain: /v1/activity counts the serving
 * process's own sends from its start (and its first backlog sample already
 * sees the six purchase requests, which no run takes).
 */
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import type { FastifyInstance } from 'fastify';
import { createMetrics } from '../../src/http/metrics.js';
import { createHttpServer, listen } from '../../src/http/server.js';
import { recoverDeliveries } from '../../src/runner/recover.js';
import { runType } from '../../src/runner/run.js';
import { launchChromium } from '../support/browser.js';
import { describeEngines } from '../support/engines.js';
import { shippedConfig, testApp } from '../support/app.js';
import { updateDelivery } from '../support/factory.js';
import type { MemoryTransport } from '../support/memory-transport.js';

const TOKEN = 'open-sesame';
const ORDERS = 2_000;
const ARTIFACTS = 'test/artifacts';
let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
  mkdirSync(ARTIFACTS, { recursive: true });
});
afterAll(() => browser?.close());

interface Summary { id: number; eventType: string; recipient: string; status: string; messageId: string | null }

describeEngines('dashboard views in a real browser', (engine) => {
  let app: App;
  let transport: MemoryTransport;
  let server: FastifyInstance;
  let base: string;
  const consoleErrors: string[] = [];
  const api = async (path: string, method = 'GET') => {
    const res = await fetch(base + path, { method, headers: { authorization: `Bearer ${TOKEN}` } });
    return { status: res.status, body: await res.json() as any };
  };

  beforeAll(async () => {
    const config = shippedConfig();
    config.events['Order.Created']!.maxAttempts = 1;
    const t = await testApp(engine, { config });
    app = t.app; transport = t.transport;
    // A few thousand deliveries through a real run: one per order address, three of them dead.
    for (let start = 0; start < ORDERS; start += 500) {
      await t.recorder.recordMany(Array.from({ length: 500 }, (_, i) => ({
        type: 'Order.Created', payload: { email_address: `c${start + i}@shop.example`, order_id: start + i + 1 },
      })));
    }
    for (let i = 1; i <= 6; i++) {
      await t.recorder.record('Purchase.Requested', {
        request_id: `R${i}`, supplier_id: `S${i % 3}`, supplier_email: `s${i % 3}@supplier.example`,
        customer_email: `c${i}@shop.example`, item: 'bolts', quantity: i,
      });
    }
    server = await createHttpServer(app, { token: TOKEN, metrics: createMetrics(app.ctx) });
    const { port } = await listen(server, { port: 0, token: TOKEN });
    base = `http://127.0.0.1:${port}`;
    for (const dead of ['c7@shop.example', 'c8@shop.example', 'c9@shop.example']) transport.failFor.add(dead);
    await runType(t.ctx, { type: 'Order.Created', trigger: 'immediate' });
  }, 60_000);
  afterAll(async () => {
    // The browser (closed after this file) and fetch keep connections alive:
    // drop them, or close() waits for them.
    const closing = server?.close();
    server?.server.closeAllConnections();
    await closing;
    await app?.close();
  });

  async function open(hash = '#/', viewport = { width: 1280, height: 900 }): Promise<Page> {
    const page = await browser.newPage({ viewport });
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
    await page.goto(`${base}/${hash}`);
    await page.fill('#token', TOKEN);
    await page.click('#login button');
    await expect.poll(() => page.locator('#app').isVisible(), { timeout: 10_000 }).toBe(true);
    return page;
  }
  const rows = (page: Page) => page.locator('#deliveries-list tbody tr');
  async function filter(page: Page, f: { type?: string; status?: string; recipient?: string; q?: string }) {
    await page.click('#f-clear');
    await expect.poll(() => page.locator('#f-recipient').inputValue()).toBe('');
    if (f.type) await page.selectOption('#f-type', f.type);
    if (f.status) await page.selectOption('#f-status', f.status);
    if (f.recipient) await page.fill('#f-recipient', f.recipient);
    if (f.q) await page.fill('#f-q', f.q);
    await page.click('#filters button[type="submit"]');
  }

  it('charts the activity with non-zero series, per window', async () => {
    const page = await open();
    try {
      const sent = page.locator('#chart-throughput svg[data-chart="throughput"] polyline[data-series="sent"]');
      await expect.poll(async () => Number(await sent.getAttribute('data-total')), { timeout: 10_000 }).toBeGreaterThan(0);
      expect(await page.locator('#chart-throughput svg').getAttribute('aria-label')).toMatch(/sent \d+/);
      // One figure (outstanding + oldest age) per type the server reports.
      const types = Object.keys((await api('/v1/activity?window=1h')).body.types);
      expect(await page.locator('#chart-types figure').evaluateAll((fs) => fs.map((f) => (f as HTMLElement).dataset.type))).toEqual(types.sort());
      // The backlog sampled from the database: the six purchase requests recorded after the drain.
      const backlog = page.locator('#chart-types figure[data-type="Purchase.Requested"] polyline[data-series="outstanding"]');
      await expect.poll(async () => Number(await backlog.getAttribute('data-max'))).toBe(6);
      await page.screenshot({ path: `${ARTIFACTS}/overview-${engine.name}.png`, fullPage: true });

      const asked = page.waitForRequest((r) => r.url().includes('/v1/activity?window=24h'));
      await page.click('#activity button[data-window="24h"]');
      await asked;
      await expect.poll(() => page.locator('#activity button[data-window="24h"]').getAttribute('aria-pressed')).toBe('true');
      await expect.poll(async () => Number(await sent.getAttribute('data-total'))).toBeGreaterThan(0);

      // Times are relative, the exact one (UTC) in the tooltip and the accessible label.
      const sentAt = page.locator('#recent tbody tr').first().locator('time');
      expect(await sentAt.textContent()).toMatch(/ago$|^just now$/);
      expect(await sentAt.getAttribute('title')).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
      expect(await sentAt.getAttribute('aria-label')).toMatch(/UTC/);
    } finally { await page.close(); }
  });

  it('filters narrow the list; the search finds a delivery by its Message-ID', async () => {
    const page = await open('#/deliveries');
    try {
      await expect.poll(() => rows(page).count(), { timeout: 10_000 }).toBe(50);
      expect(await page.locator('#deliveries-more').isVisible()).toBe(true);

      await filter(page, { status: 'dead' });
      await expect.poll(() => rows(page).count()).toBe(3);
      expect(await rows(page).locator('td.status').allTextContents()).toEqual(['dead', 'dead', 'dead']);
      expect(page.url()).not.toContain(TOKEN);

      await filter(page, { recipient: 'c42@shop.example' });
      await expect.poll(() => rows(page).count()).toBe(1);
      await filter(page, { type: 'Purchase.Requested' });
      await expect.poll(() => rows(page).count()).toBe(0);

      const { body } = await api('/v1/deliveries?recipient=c1234%40shop.example');
      const target = body.items[0] as Summary;
      expect(target.messageId).toBeTruthy();
      await filter(page, { q: target.messageId! });
      await expect.poll(() => rows(page).count()).toBe(1);
      expect(await rows(page).locator('td.message-id').textContent()).toBe(target.messageId);
      await page.screenshot({ path: `${ARTIFACTS}/deliveries-${engine.name}.png`, fullPage: true });
    } finally { await page.close(); }
  });

  it('the recipient page shows their outstanding events (count, type, relative time, payload) and their profile', async () => {
    // Before the schedules test runs Purchase.Requested: S1 still has its two purchase requests (1 and 4) outstanding.
    const put = await fetch(`${base}/v1/recipients/S1`, {
      method: 'PUT', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ timeZone: 'Asia/Tokyo', quietHours: { start: '22:00', end: '07:00' }, preferences: { 'Order.Created': { frequency: 'daily', at: '09:00' } } }),
    });
    expect(put.status).toBe(200);
    const page = await open('#/recipients/S1');
    try {
      const events = page.locator('#recipient-outstanding-list li[data-event]');
      await expect.poll(() => events.count(), { timeout: 10_000 }).toBe(2);
      expect(await page.locator('#recipient-outstanding-count').textContent()).toBe('(2)');
      expect(await events.evaluateAll((ls) => ls.map((l) => (l as HTMLElement).dataset.type))).toEqual(['Purchase.Requested', 'Purchase.Requested']);
      expect(await events.first().locator('time').textContent()).toMatch(/ago$|^just now$/);
      // The exact time also in the recipient's own zone.
      expect(await events.first().locator('time').getAttribute('title')).toMatch(/UTC · .* Asia\/Tokyo$/);
      const payloads = await events.locator('pre').allTextContents();
      expect(payloads.every((p) => p.includes('"supplier_id": "S1"'))).toBe(true);
      expect(payloads.map((p) => JSON.parse(p).request_id).sort()).toEqual(['R1', 'R4']);
      const profile = await page.locator('#recipient-profile dl').textContent();
      expect(profile).toContain('Time zoneAsia/Tokyo');
      expect(profile).toContain('Quiet hours22:00 to 07:00 (local)');
      expect(profile).toContain('Order.Created: daily at 09:00');
      expect(await page.locator('#recipient-outstanding-more').isVisible()).toBe(false);
      await page.screenshot({ path: `${ARTIFACTS}/recipient-outstanding-${engine.name}.png`, fullPage: true });
    } finally {
      await page.close();
      // The run-now test below expects S1's defaults.
      await fetch(`${base}/v1/recipients/S1`, { method: 'DELETE', headers: { authorization: `Bearer ${TOKEN}` } });
    }
  });

  it('schedules: next fire times, preview, run now behind a confirmation', async () => {
    const page = await open('#/schedules');
    try {
      const row = page.locator('#schedule-list tr[data-type="Purchase.Requested"]');
      await expect.poll(() => row.locator('ul.next time').count(), { timeout: 10_000 }).toBe(3);
      expect(await row.locator('ul.next time').first().textContent()).toMatch(/^in /);
      const berlin = page.locator('#schedule-list tr[data-type="Purchase.Responded"] ul.next time').first();
      expect(await berlin.getAttribute('title')).toMatch(/UTC · .* Europe\/Berlin$/);

      await row.locator('button.preview').click();
      await expect.poll(() => page.locator('#preview-body article').count()).toBe(3);
      expect(await page.locator('#preview-body iframe').first().getAttribute('sandbox')).toBe('');

      // Escape (or Cancel) runs nothing; the confirm button runs it.
      await row.locator('button', { hasText: 'Run now' }).click();
      await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('confirm-cancel');
      await page.keyboard.press('Escape');
      await expect.poll(() => page.locator('#confirm').isVisible()).toBe(false);
      expect((await api('/v1/deliveries?type=Purchase.Requested')).body.items).toHaveLength(0);
      await row.locator('button', { hasText: 'Run now' }).click();
      await page.click('#confirm-ok');
      await expect.poll(() => page.locator('#message').textContent()).toMatch(/^Ran Purchase\.Requested: 3 deliveries, 3 sent/);
      await expect.poll(() => row.locator('td.last-run').textContent()).toMatch(/manual run .*3 sent, 0 failed/);
      await page.screenshot({ path: `${ARTIFACTS}/schedules-${engine.name}.png`, fullPage: true });
    } finally { await page.close(); }
  });

  it('a type links to its runs (counts, duration); a run lists its deliveries, more on demand, each linking to its view', async () => {
    const { body } = await api('/v1/schedules/Order.Created/runs?limit=50');
    const drain = (body.items as Array<{ id: number; deliveriesCreated: number; deliveriesSent: number; deliveriesFailed: number; durationMs: number }>)
      .find((r) => r.deliveriesCreated === ORDERS)!;
    expect(drain).toBeDefined();
    const page = await open('#/schedules');
    try {
      await page.locator('#schedule-list tr[data-type="Order.Created"] a', { hasText: 'Runs' }).click();
      await expect.poll(() => page.locator('#runs-title').textContent(), { timeout: 10_000 }).toBe('Runs of Order.Created');
      expect(await page.locator('#runs-deliveries').getAttribute('href')).toBe('#/deliveries?type=Order.Created');
      const row = page.locator(`#runs-list tr[data-run="${drain.id}"]`);
      await expect.poll(() => row.count()).toBe(1);
      expect(await row.locator('td.created').textContent()).toBe(String(ORDERS));
      expect(await row.locator('td.sent').textContent()).toBe(String(drain.deliveriesSent));
      expect(await row.locator('td.failed').textContent()).toBe(String(drain.deliveriesFailed));
      expect(await row.locator('td.duration').textContent()).toMatch(/^\d+ (ms|s|min)( \d+ (s|ms))?$/);
      expect(await row.locator('time').textContent()).toMatch(/ago$|^just now$/);
      await page.screenshot({ path: `${ARTIFACTS}/runs-${engine.name}.png`, fullPage: true });

      await row.locator('a').first().click();
      await expect.poll(() => page.locator('#run-title').textContent(), { timeout: 10_000 }).toBe(`Run ${drain.id} of Order.Created`);
      expect(await page.locator('#run-meta').textContent()).toMatch(new RegExp(`Deliveries created${ORDERS}`));
      const deliveries = page.locator('#run-deliveries tbody tr');
      await expect.poll(() => deliveries.count()).toBe(50);
      await page.click('#run-more');
      await expect.poll(() => deliveries.count()).toBe(100);
      // Group-key order, no repeats across pages.
      const ids = await deliveries.evaluateAll((rs) => rs.map((r) => (r as HTMLElement).dataset.delivery));
      expect(new Set(ids).size).toBe(100);
      await page.screenshot({ path: `${ARTIFACTS}/run-${engine.name}.png`, fullPage: true });
      await deliveries.first().locator('a').first().click();
      await expect.poll(() => page.locator('#delivery-title').textContent(), { timeout: 10_000 }).toMatch(new RegExp(`^Delivery ${ids[0]}:`));
      // …and the delivery back to its run.
      await page.locator('#delivery-meta a', { hasText: String(drain.id) }).and(page.locator(`a[href="#/runs/${drain.id}"]`)).click();
      await expect.poll(() => page.locator('#run-title').textContent()).toBe(`Run ${drain.id} of Order.Created`);
    } finally { await page.close(); }
  });

  it('the delivery view shows the HTML in a sandboxed iframe, the text, the headers and the events', async () => {
    const [d] = (await api('/v1/deliveries?type=Purchase.Requested&recipient=S1')).body.items as Summary[];
    expect(d).toBeDefined();
    const page = await open(`#/deliveries/${d!.id}`);
    try {
      await expect.poll(() => page.locator('#delivery-title').textContent(), { timeout: 10_000 }).toMatch(/new purchase requests/);
      const frame = page.locator('#delivery-html iframe');
      expect(await frame.getAttribute('sandbox')).toBe('');
      expect(await frame.getAttribute('srcdoc')).toContain("default-src 'none'");
      await expect.poll(() => page.frameLocator('#delivery-html iframe').locator('body').textContent()).toMatch(/You have 2 new purchase requests/);
      expect(await page.locator('#delivery-text').textContent()).toMatch(/2 new purchase requests/);
      expect(await page.locator('#delivery-headers tr[data-header="Message-ID"] td').textContent()).toBe(d!.messageId);
      expect(await page.locator('#delivery-events li').count()).toBe(2);
      expect(await page.locator('#delivery-events li pre').first().textContent()).toMatch(/"supplier_id": "S1"/);
      expect(await page.locator('#delivery-retry').isVisible()).toBe(false);
      await page.screenshot({ path: `${ARTIFACTS}/delivery-${engine.name}.png`, fullPage: true });
    } finally { await page.close(); }
  });

  it('a message\'s HTML runs no script and loads nothing, but keeps its inline styles', async () => {
    const [d] = (await api('/v1/deliveries?recipient=c1500%40shop.example')).body.items as Summary[];
    const hits: string[] = [];
    await updateDelivery(engine.db, d!.id, {
      html: '<p id="styled" style="color: rgb(0, 128, 0)">styled</p><script>parent.document.title = "pwned"; document.title = "ran"</script>'
        + '<img src="' + base + '/pixel.gif?leak=1">',
    });
    const page = await open(`#/deliveries/${d!.id}`);
    // A request the CSP blocks still shows as a request (failed with ERR_BLOCKED_BY_CSP); only answered ones count.
    page.on('response', (r) => { if (r.url().includes('pixel.gif')) hits.push(r.url()); });
    try {
      const body = page.frameLocator('#delivery-html iframe');
      await expect.poll(() => body.locator('#styled').textContent(), { timeout: 10_000 }).toBe('styled');
      expect(await body.locator('#styled').evaluate((e) => getComputedStyle(e).color)).toBe('rgb(0, 128, 0)');
      expect(await page.title()).toBe('digest');
      expect(hits).toEqual([]);
      expect(consoleErrors.some((e) => e.includes('pixel.gif') && /Content Security Policy/.test(e))).toBe(true);
    } finally { await page.close(); }
  });

  it('serves the script and stylesheet without the token, the page under a CSP without inline scripts', async () => {
    const page = await fetch(`${base}/`);
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self'(;|$)/);
    for (const asset of ['/dashboard/app.js', '/dashboard/app.css']) expect((await fetch(base + asset)).status).toBe(200);
    // The inlined time formatting and the rest parse as one script.
    const script = await (await fetch(`${base}/dashboard/app.js`)).text();
    expect(() => new Function(script)).not.toThrow();
  });

  it('a retry from the delivery view re-sends a dead delivery', async () => {
    const [dead] = (await api('/v1/deliveries?status=dead&recipient=c7%40shop.example')).body.items as Summary[];
    const page = await open(`#/deliveries/${dead!.id}`);
    try {
      await expect.poll(() => page.locator('#delivery-retry').isVisible(), { timeout: 10_000 }).toBe(true);
      transport.failFor.clear();
      await page.click('#delivery-retry');
      await page.click('#confirm-ok');
      await expect.poll(() => page.locator('#message').textContent()).toBe(`Re-queued delivery ${dead!.id}`);
      // The scheduler's recovery loop would send it now; run one pass of it here.
      expect(await recoverDeliveries(app.ctx)).toEqual(['sent']);
      expect(transport.sent.filter((m) => m.recipient === 'c7@shop.example')).toHaveLength(1);
      await page.reload();
      await expect.poll(() => page.locator('#delivery-meta').textContent(), { timeout: 10_000 }).toMatch(/Statussent/);
    } finally { await page.close(); }
  });

  it('a replay from the delivery view re-sends a sent delivery as stored, after a confirmation', async () => {
    const [d] = (await api('/v1/deliveries?recipient=c100%40shop.example')).body.items as Summary[];
    const sentTo = () => transport.sent.filter((m) => m.recipient === 'c100@shop.example');
    expect(sentTo()).toHaveLength(1);
    const page = await open(`#/deliveries/${d!.id}`);
    try {
      await expect.poll(() => page.locator('#delivery-replay').isVisible(), { timeout: 10_000 }).toBe(true);
      expect(await page.locator('#delivery-retry').isVisible()).toBe(false);
      await page.click('#delivery-replay');
      await page.click('#confirm-cancel');
      await expect.poll(() => page.locator('#confirm').isVisible()).toBe(false);
      expect(sentTo()).toHaveLength(1);
      await page.click('#delivery-replay');
      await page.click('#confirm-ok');
      await expect.poll(() => page.locator('#message').textContent()).toBe(`Replayed delivery ${d!.id}`);
      expect(sentTo()).toHaveLength(2);
      expect(sentTo()[1]!.messageId).toBe(d!.messageId);
      expect(await page.locator('#delivery-meta').textContent()).toMatch(/Statussent/);
    } finally { await page.close(); }
  });

  it('the recipient page lists their deliveries and says their profile is the defaults', async () => {
    const page = await open('#/recipients/c8%40shop.example');
    try {
      await expect.poll(() => page.locator('#recipient-deliveries tbody tr').count(), { timeout: 10_000 }).toBe(1);
      expect(await page.locator('#recipient-deliveries td.status').textContent()).toBe('dead');
      expect(await page.locator('#recipient-profile').textContent()).toMatch(/defaults/);
      // Nothing outstanding for them: said so, with the count.
      expect(await page.locator('#recipient-outstanding-count').textContent()).toBe('(0)');
      expect(await page.locator('#recipient-outstanding-list').textContent()).toMatch(/^None/);
      await page.screenshot({ path: `${ARTIFACTS}/recipient-${engine.name}.png`, fullPage: true });
    } finally { await page.close(); }
  });

  it('fits a phone-width screen (375 px): nothing but the tables scrolls sideways', async () => {
    for (const hash of ['#/', '#/deliveries', '#/schedules', '#/schedules/Order.Created/runs', '#/runs/1']) {
      const page = await open(hash, { width: 375, height: 800 });
      try {
        await expect.poll(() => page.locator('#app table tbody tr').count(), { timeout: 10_000 }).toBeGreaterThan(0);
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
        await page.screenshot({ path: `${ARTIFACTS}/phone-${hash.replace(/[#/]/g, '') || 'overview'}-${engine.name}.png`, fullPage: true });
      } finally { await page.close(); }
    }
    // The page's CSP let everything it needs through (a violation is logged as a console error;
    // the hostile message's pixel above is the one expected).
    expect(consoleErrors.filter((e) => /Content Security Policy/i.test(e) && !e.includes('pixel.gif'))).toEqual([]);
  });
}, ['sqlite']);
