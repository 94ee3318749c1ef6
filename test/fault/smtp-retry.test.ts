import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import type { DigestConfig } from '../../src/config/types.js';
import { recoverDeliveries } from '../../src/runner/recover.js';
import { runType } from '../../src/runner/run.js';
import { createTransport } from '../../src/transports/create.js';
import { describeEngines, truncateAll } from '../support/engines.js';
import { seedEvent } from '../support/factory.js';
import { testApp } from '../support/app.js';
import { runCli } from '../support/cli.js';
import { startSmtpServer } from '../support/smtp-server.js';
import { waitFor } from '../support/wait.js';
import { DatabaseClock } from '../support/database-clock.js';

let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
beforeAll(async () => { smtp = await startSmtpServer(); });
afterAll(() => smtp.close());

function mailConfig(maxAttempts = 5): DigestConfig {
  return {
    timezone: 'UTC',
    transports: { mail: { name: 'mail', kind: 'smtp', url: smtp.url, from: 'Shop <no-reply@shop.example>' } },
    events: { 'Order.Created': { type: 'Order.Created', cadence: { kind: 'immediate', text: 'immediate' }, transport: 'mail', timezone: 'UTC', maxAttempts, batchSize: 100 } },
  };
}

/**
 * An app whose transport really talks SMTP to the local server, retrying
 * after ~50 ms instead of 10 s; `dbClock` moves database time to when a retry is due.
 */
async function mailApp(engine: Parameters<typeof testApp>[0], maxAttempts = 5) {
  const config = mailConfig(maxAttempts);
  const dbClock = new DatabaseClock();
  const app = await testApp(engine, { config, transports: { mail: createTransport(config.transports.mail!) }, retryBaseMs: 50, databaseNow: dbClock.now });
  return { ...app, dbClock };
}

const deliveryRow = async (db: { all: Function }) =>
  ((await db.all('SELECT id, status, attempts, error, message_id AS messageId FROM digest_deliveries')) as Array<{ id: number; status: string; attempts: number; error: string | null; messageId: string }>)[0]!;

describeEngines('SMTP failures', (engine) => {
  beforeEach(async () => {
    await truncateAll(engine.db);
    smtp.state.mode = 'accept';
    smtp.state.accepted.length = 0;
  });

  it('451 for a while, then 250: retried with backoff and sent once, events stamped', async () => {
    const { ctx, recorder, app, dbClock } = await mailApp(engine);
    try {
      smtp.state.mode = '451';
      await recorder.record('Order.Created', { email_address: 'ann@shop.example', order_id: 1 });
      const first = await runType(ctx, { type: 'Order.Created', trigger: 'immediate' });
      expect(first).toMatchObject({ deliveriesFailed: 1, deliveriesSent: 0 });
      expect(await deliveryRow(engine.db)).toMatchObject({ status: 'failed', attempts: 1 });
      expect((await deliveryRow(engine.db)).error).toMatch(/451/);
      // Still 451 on the next due retry.
      dbClock.advance(60_000);
      expect(await recoverDeliveries(ctx)).toContain('failed');
      expect(await deliveryRow(engine.db)).toMatchObject({ status: 'failed', attempts: 2 });
      smtp.state.mode = 'accept';
      dbClock.advance(60_000);
      expect(await recoverDeliveries(ctx)).toContain('sent');
      const row = await deliveryRow(engine.db);
      expect(row).toMatchObject({ status: 'sent', attempts: 3 });
      // The domain the SMTP transport sends from (no messageIdDomain configured).
      expect(row.messageId).toBe(`<delivery.${Number(row.id)}@shop.example>`);
      expect(smtp.state.accepted.map((m) => m.messageId)).toEqual([row.messageId]);
      const [e] = await engine.db.all<{ processedAt: unknown }>('SELECT processed_at AS processedAt FROM digest_events');
      expect(e!.processedAt).not.toBeNull();
    } finally {
      await app.close();
    }
  });

  it('550: dead after ONE attempt with the reason stored; `digest retry` sends it once the server accepts', async () => {
    const { ctx, recorder, app } = await mailApp(engine, 5);
    try {
      smtp.state.mode = '550';
      await recorder.record('Order.Created', { email_address: 'gone@shop.example', order_id: 2 });
      const s = await runType(ctx, { type: 'Order.Created', trigger: 'immediate' });
      expect(s.deliveriesFailed).toBe(1);
      const dead = await deliveryRow(engine.db);
      expect(dead).toMatchObject({ status: 'dead', attempts: 1 });
      expect(dead.error).toMatch(/550/);
      expect(await recoverDeliveries(ctx)).toEqual([]); // dead is not retried on its own
      // The events stay linked to the dead delivery: visible, not lost, not processed.
      const [e] = await engine.db.all<{ deliveryId: number; processedAt: unknown }>('SELECT delivery_id AS deliveryId, processed_at AS processedAt FROM digest_events');
      expect(Number(e!.deliveryId)).toBe(Number(dead.id));
      expect(e!.processedAt).toBeNull();

      smtp.state.mode = 'accept';
      const retry = await runCli(['retry', String(dead.id)], { DATABASE_URL: engine.url });
      expect(retry).toMatchObject({ code: 0 });
      expect(retry.stdout).toContain('re-queued 1 delivery');
      await waitFor(async () => (await recoverDeliveries(ctx)).includes('sent'), 5_000, 20);
      expect(await deliveryRow(engine.db)).toMatchObject({ status: 'sent', attempts: 1 });
      expect(smtp.state.accepted.map((m) => m.messageId)).toEqual([dead.messageId]);
      const again = await runCli(['retry', String(dead.id)], { DATABASE_URL: engine.url });
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/is not dead\/failed/);
    } finally {
      await app.close();
    }
  });

  it('`digest retry --dead --type T` re-queues every dead delivery of that type, and nothing else', async () => {
    const { ctx, recorder, app } = await mailApp(engine, 1);
    try {
      smtp.state.mode = '550';
      for (let i = 1; i <= 3; i++) await recorder.record('Order.Created', { email_address: `d${i}@shop.example`, order_id: 30 + i });
      await runType(ctx, { type: 'Order.Created', trigger: 'immediate' });
      const other = await runCli(['retry', '--dead', '--type', 'Purchase.Requested'], { DATABASE_URL: engine.url });
      expect(other.stdout).toContain('re-queued 0 delivery');
      const usage = await runCli(['retry'], { DATABASE_URL: engine.url });
      expect(usage.code).toBe(1);
      expect(usage.stderr).toMatch(/give a delivery id or --dead/);
      smtp.state.mode = 'accept';
      const r = await runCli(['retry', '--dead', '--type', 'Order.Created'], { DATABASE_URL: engine.url });
      expect(r.stdout).toContain('re-queued 3 delivery');
      await waitFor(async () => (await recoverDeliveries(ctx)).filter((o) => o === 'sent').length === 3, 5_000, 20);
      expect(smtp.state.accepted).toHaveLength(3);
    } finally {
      await app.close();
    }
  });

  it('a poison event fails only its own delivery, dead at once with the error, and does not block the recipient', async () => {
    const { ctx, recorder, app } = await mailApp(engine, 2);
    try {
      // A row a SQL producer inserted with a payload the handler cannot use.
      await seedEvent(engine.db, { payload: { email_address: 'ann@shop.example', order_id: 'seven' } });
      await recorder.record('Order.Created', { email_address: 'bob@shop.example', order_id: 8 });
      await runType(ctx, { type: 'Order.Created', trigger: 'immediate' });
      const [poison] = await engine.db.all<{ status: string; attempts: number; error: string }>(
        "SELECT status, attempts, error FROM digest_deliveries WHERE recipient = 'ann@shop.example'");
      expect(poison).toMatchObject({ status: 'dead', attempts: 1 });
      expect(poison!.error).toMatch(/order_id/);
      // The same recipient's later events still go out.
      await recorder.record('Order.Created', { email_address: 'ann@shop.example', order_id: 9 });
      await runType(ctx, { type: 'Order.Created', trigger: 'immediate' });
      expect(smtp.state.accepted.map((m) => m.subject).sort()).toEqual(['Your receipt for order #8', 'Your receipt for order #9']);
    } finally {
      await app.close();
    }
  });
});
