import { mkdirSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { createMetrics } from '../../src/http/metrics.js';
import { createHttpServer, listen } from '../../src/http/server.js';
import { cancelEvent } from '../../src/runner/cancel.js';
import { recoverDeliveries } from '../../src/runner/recover.js';
import { runType } from '../../src/runner/run.js';
import { launchChromium } from '../support/browser.js';
import { describeEngines } from '../support/engines.js';
import { seedEvent } from '../support/factory.js';
import { shippedConfig, testApp } from '../support/app.js';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(() => browser?.close());

/** The app's API and dashboard on a free port, and a browser page signed in to it. */
async function signedIn(app: App) {
  const server = await createHttpServer(app, { token: 'open-sesame', metrics: createMetrics(app.ctx) });
  const { port } = await listen(server, { port: 0, token: 'open-sesame' });
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.fill('#token', 'open-sesame');
  await page.click('#login button');
  return { server, page };
}

// One engine is enough for the page; the API under it runs on both in http.test.ts.
describeEngines('dashboard in a real browser', (engine) => {
  it('sign in, see outstanding, run now, see deliveries, retry a dead one, open a delivery', async () => {
    const config = shippedConfig();
    config.events['Order.Created']!.maxAttempts = 1;
    const { app, ctx, recorder, transport } = await testApp(engine, { config });
    for (let i = 1; i <= 6; i++) {
      await recorder.record('Purchase.Requested', {
        request_id: `R${i}`, supplier_id: `S${i % 3}`, supplier_email: `s${i % 3}@supplier.example`,
        customer_email: `c${i}@shop.example`, item: 'bolts', quantity: i,
      });
    }
    transport.failFor.add('dead@shop.example');
    await recorder.record('Order.Created', { email_address: 'dead@shop.example', order_id: 99 });
    await runType(ctx, { type: 'Order.Created', trigger: 'immediate' });

    const { server, page } = await signedIn(app);
    try {
      const outstanding = page.locator('#types tr[data-type="Purchase.Requested"] td.outstanding');
      await expect.poll(() => outstanding.textContent(), { timeout: 10_000 }).toBe('6');
      // A direct-SQL row of a type nobody configured is shown as an unknown type.
      await seedEvent(engine.db, { type: 'Purchase.Requestd', recipient: 'S1', payload: {} });
      await page.reload();
      const unknown = page.locator('#types tr[data-type="Purchase.Requestd"] td');
      await expect.poll(() => unknown.nth(1).textContent(), { timeout: 10_000 }).toBe('unknown type');
      expect(await unknown.nth(2).textContent()).toBe('1');

      await page.click('#types tr[data-type="Purchase.Requested"] button');
      await page.click('#confirm-ok');
      await expect.poll(() => outstanding.textContent(), { timeout: 10_000 }).toBe('0');
      await expect.poll(() => page.locator('#recent tbody tr', { hasText: 'Purchase.Requested' }).count()).toBe(3);

      const dead = page.locator('#problems tbody tr', { hasText: 'dead@shop.example' });
      await expect.poll(() => dead.locator('td.status').textContent()).toBe('dead');
      transport.failFor.clear();
      await dead.locator('button').click();
      await page.click('#confirm-ok');
      await expect.poll(() => page.locator('#message').textContent()).toMatch(/Re-queued delivery \d+/);
      // The scheduler's recovery loop would send it now; run one pass of it here.
      expect(await recoverDeliveries(ctx)).toEqual(['sent']);
      await page.reload();
      await expect.poll(() => page.locator('#types tr[data-type="Order.Created"] td').nth(6).textContent(), { timeout: 10_000 }).toBe('1');
      expect(await page.locator('#problems tbody tr').count()).toBe(0);

      await page.locator('#recent tbody tr', { hasText: 'S1' }).locator('a').first().click();
      await expect.poll(() => page.locator('#delivery-title').textContent()).toMatch(/new purchase requests/);
      expect(await page.locator('#delivery-events li').count()).toBe(2);

      mkdirSync('test/artifacts', { recursive: true });
      await page.screenshot({ path: `test/artifacts/dashboard-${engine.name}.png`, fullPage: true });
    } finally {
      await page.close();
      await server.close();
    }
  });

  it('shows the suppressed addresses with their count, and suppressed deliveries with their status', async () => {
    const { app, ctx, recorder } = await testApp(engine);
    await app.suppressions.suppress('Gone@Shop.example', 'bounce', '550 5.1.1');
    await app.suppressions.suppress('angry@shop.example', 'complaint');
    await recorder.record('Order.Created', { email_address: 'gone@shop.example', order_id: 5 });
    await runType(ctx, { type: 'Order.Created', trigger: 'immediate' });
    const { server, page } = await signedIn(app);
    try {
      await expect.poll(() => page.locator('#suppressed-count').textContent(), { timeout: 10_000 }).toBe('(2)');
      const gone = page.locator('#suppressions tr[data-address="gone@shop.example"] td');
      expect(await gone.nth(1).textContent()).toBe('bounce');
      expect(await gone.nth(3).textContent()).toBe('550 5.1.1');
      expect(await page.locator('#types tr[data-type="Order.Created"] td.suppressed').textContent()).toBe('1');
      const recent = page.locator('#recent tbody tr', { hasText: 'gone@shop.example' });
      expect(await recent.locator('td.status').textContent()).toBe('suppressed');
    } finally {
      await page.close();
      await server.close();
    }
  });

  it('shows cancelled events: counted per type, their deliveries with status cancelled', async () => {
    const { app, recorder } = await testApp(engine);
    const id = await recorder.record('Order.Created', { email_address: 'changed-mind@shop.example', order_id: 9 });
    await cancelEvent(app.ctx.db, id);
    const { server, page } = await signedIn(app);
    try {
      await expect.poll(() => page.locator('#types tr[data-type="Order.Created"] td.cancelled').textContent(), { timeout: 10_000 }).toBe('1');
      const recent = page.locator('#recent tbody tr', { hasText: 'changed-mind@shop.example' });
      expect(await recent.locator('td.status').textContent()).toBe('cancelled');
    } finally {
      await page.close();
      await server.close();
    }
  });

  it('looks a recipient profile up by its key (read-only); an unknown one says the defaults apply', async () => {
    const { app } = await testApp(engine);
    await app.recipients.setRecipient('team/ops+1@x', { timeZone: 'Europe/Berlin', preferences: { 'Purchase.Requested': { frequency: 'daily', at: '08:00' } } });
    const { server, page } = await signedIn(app);
    try {
      await page.fill('#recipient-key', 'team/ops+1@x');
      await page.click('#recipient-lookup button');
      const shown = page.locator('#recipient-profile');
      await expect.poll(() => shown.locator('dl').textContent(), { timeout: 10_000 }).toContain('Time zoneEurope/Berlin');
      expect(await page.locator('#recipient-title').textContent()).toBe('Recipient team/ops+1@x');
      expect(await shown.locator('dl li').allTextContents()).toEqual(['Purchase.Requested: daily at 08:00']);
      // Keys are exact: another case is another recipient, with no profile.
      await page.fill('#recipient-key', 'Team/ops+1@x');
      await page.click('#recipient-lookup button');
      await expect.poll(() => shown.textContent()).toBe('No profile stored: every type uses its defaults (its time zone, no quiet hours, its cadence).');
      expect(await page.locator('#recipient-title').textContent()).toBe('Recipient Team/ops+1@x');
    } finally {
      await page.close();
      await server.close();
    }
  });
}, ['sqlite']);
