/** The dashboard shows a pull transport's deliveries waiting for consumers and leased to them (in a real browser). */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createMetrics } from '../../src/http/metrics.js';
import { createHttpServer, listen } from '../../src/http/server.js';
import { leasePull } from '../../src/runner/pull.js';
import { runType } from '../../src/runner/run.js';
import { testApp } from '../support/app.js';
import { launchChromium } from '../support/browser.js';
import { describeEngines } from '../support/engines.js';
import { pullConfig } from '../support/pull-config.js';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(() => browser?.close());

// The page is the same on both engines; the counts under it are tested on both in pull-transport.test.ts.
describeEngines('dashboard: pull deliveries', (engine) => {
  it('shows ready / leased per type, and leased deliveries with their status', async () => {
    const { app, ctx, recorder } = await testApp(engine, { config: pullConfig() });
    await recorder.recordMany([1, 2, 3].map((i) => ({ type: 'Order.Created', payload: { email_address: `c${i}@shop.example`, order_id: i } })));
    await runType(ctx, { type: 'Order.Created', trigger: 'manual' });
    const leased = await leasePull(ctx, 'consumers', { max: 1, visibilityMs: 60_000 });
    const server = await createHttpServer(app, { token: 'open-sesame', metrics: createMetrics(ctx) });
    const { port } = await listen(server, { port: 0, token: 'open-sesame' });
    const page = await browser.newPage();
    try {
      await page.goto(`http://127.0.0.1:${port}/`);
      await page.fill('#token', 'open-sesame');
      await page.click('#login button');
      const pull = page.locator('#types tr[data-type="Order.Created"] td.pull');
      await expect.poll(() => pull.textContent(), { timeout: 10_000 }).toBe('2 / 1');
      await expect.poll(() => page.locator('#types tr[data-type="Purchase.Requested"] td.pull').textContent()).toBe('-');
      const status = page.locator(`#recent tr[data-delivery="${leased.deliveries[0]!.id}"] td.status`);
      await expect.poll(() => status.textContent()).toBe('leased');
    } finally {
      await page.close();
      await server.close();
      await app.close();
    }
  }, 30_000);
}, ['sqlite']);
