/**
 * A suppressed address receives nothing further, on both engines, through a
 * real SMTP transport to a local SMTP server: its deliveries end
 * `suppressed` (not dead, never retried) with their events stamped, and the
 * transport is never asked to send them. The match is on the rendered
 * address, case-insensitively; a page's addresses are checked in one query.
 */
import { afterAll, beforeAll, beforeEach, expect, it, vi } from 'vitest';
import type { DigestConfig } from '../../src/config/types.js';
import { recoverDeliveries } from '../../src/runner/recover.js';
import { replayDelivery } from '../../src/runner/replay.js';
import { runType } from '../../src/runner/run.js';
import { createTransport } from '../../src/transports/create.js';
import { testApp } from '../support/app.js';
import { DatabaseClock } from '../support/database-clock.js';
import { describeEngines, truncateAll } from '../support/engines.js';
import { collectEvents, nextEvent } from '../support/events.js';
import { startSmtpServer } from '../support/smtp-server.js';

let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
beforeAll(async () => { smtp = await startSmtpServer(); });
afterAll(() => smtp.close());

function mailConfig(): DigestConfig {
  return {
    timezone: 'UTC',
    transports: { mail: { name: 'mail', kind: 'smtp', url: smtp.url, from: 'Shop <no-reply@shop.example>' } },
    events: { 'Order.Created': { type: 'Order.Created', cadence: { kind: 'immediate', text: 'immediate' }, transport: 'mail', timezone: 'UTC', maxAttempts: 5, batchSize: 100 } },
  };
}

async function mailApp(engine: Parameters<typeof testApp>[0]) {
  const config = mailConfig();
  const dbClock = new DatabaseClock();
  const mail = createTransport(config.transports.mail!);
  const send = vi.spyOn(mail, 'send');
  const app = await testApp(engine, { config, transports: { mail }, retryBaseMs: 50, databaseNow: dbClock.now });
  return { ...app, dbClock, send };
}

interface Row { id: number; status: string; attempts: number; error: string | null; address: string | null; recipient: string }
const deliveries = async (db: { all: Function }) =>
  (await db.all('SELECT id, status, attempts, error, address, recipient FROM digest_deliveries ORDER BY id')) as Row[];
const unstamped = async (db: { all: Function }) =>
  Number(((await db.all('SELECT COUNT(*) AS n FROM digest_events WHERE processed_at IS NULL')) as Array<{ n: number }>)[0]!.n);

describeEngines('deliveries to a suppressed address', (engine) => {
  beforeEach(async () => {
    await truncateAll(engine.db);
    smtp.state.mode = 'accept';
    smtp.state.accepted.length = 0;
    smtp.state.attempts = 0;
  });

  it('end suppressed with their events stamped, never reaching the transport; other addresses are sent', async () => {
    const { app, ctx, recorder, send } = await mailApp(engine);
    try {
      // Suppressed in one case, recorded in another: one address (this handler also lower-cases its key).
      await app.suppressions.suppress('ANN@SHOP.EXAMPLE');
      await recorder.record('Order.Created', { email_address: 'Ann@Shop.example', order_id: 1 });
      await recorder.record('Order.Created', { email_address: 'bob@shop.example', order_id: 2 });
      await recorder.record('Order.Created', { email_address: 'ann@shop.example', order_id: 3 });
      const seen = nextEvent(ctx.lifecycle, 'delivery.suppressed');
      const summary = await runType(ctx, { type: 'Order.Created', trigger: 'immediate' });
      expect(summary).toMatchObject({ eventsClaimed: 3, deliveriesCreated: 3, deliveriesSent: 1, deliveriesFailed: 0 });
      expect(await seen).toMatchObject({ type: 'Order.Created', events: 1, reason: 'manual', transport: 'mail' });

      expect(smtp.state.accepted.map((m) => m.to)).toEqual([['bob@shop.example']]);
      expect(smtp.state.attempts).toBe(1);
      expect(send).toHaveBeenCalledTimes(1);
      expect(send.mock.calls[0]![0].to).toBe('bob@shop.example');

      const rows = await deliveries(engine.db);
      expect(rows.map((r) => [r.recipient, r.status])).toEqual([
        ['ann@shop.example', 'suppressed'], ['bob@shop.example', 'sent'], ['ann@shop.example', 'suppressed'],
      ]);
      expect(rows[0]!.error).toBe('suppressed: the address is on the suppression list (manual)');
      expect(await unstamped(engine.db)).toBe(0);

      // Done for good: nothing is due again.
      ctx.databaseNow = () => new Date(Date.now() + 3_600_000);
      expect(await recoverDeliveries(ctx)).toEqual([]);
      expect(smtp.state.attempts).toBe(1);
    } finally {
      await app.close();
    }
  });

  it('a failed delivery whose address is suppressed meanwhile ends suppressed on its retry, not dead, without reaching the transport', async () => {
    const { app, ctx, recorder, dbClock, send } = await mailApp(engine);
    try {
      smtp.state.mode = '451';
      await recorder.record('Order.Created', { email_address: 'gone@shop.example', order_id: 7 });
      expect(await runType(ctx, { type: 'Order.Created', trigger: 'immediate' })).toMatchObject({ deliveriesFailed: 1 });
      expect((await deliveries(engine.db))[0]).toMatchObject({ status: 'failed', attempts: 1 });

      // The bounce arrives (a hard bounce, in another case), then the retry comes due.
      expect(await app.suppressions.reportBounces({ type: 'hard', address: 'Gone@Shop.Example', detail: '550 5.1.1' })).toMatchObject([{ action: 'suppressed' }]);
      smtp.state.mode = 'accept';
      dbClock.advance(60_000);
      // Rendered again just before the send: the check is made there too.
      expect(await recoverDeliveries(ctx)).toEqual(['suppressed']);
      expect(smtp.state.attempts).toBe(1);
      expect(smtp.state.accepted).toEqual([]);
      expect(send).toHaveBeenCalledTimes(1);
      const [row] = await deliveries(engine.db);
      expect(row).toMatchObject({ status: 'suppressed', address: 'gone@shop.example' });
      expect(row!.error).toContain('(bounce)');
      expect(await unstamped(engine.db)).toBe(0);
    } finally {
      await app.close();
    }
  });

  it('a replay is refused once the address is suppressed, and for a suppressed delivery', async () => {
    const { app, ctx, recorder } = await mailApp(engine);
    try {
      await recorder.record('Order.Created', { email_address: 'dan@shop.example', order_id: 11 });
      await runType(ctx, { type: 'Order.Created', trigger: 'immediate' });
      const [sent] = await deliveries(engine.db);
      expect(sent!.status).toBe('sent');
      await app.suppressions.reportBounces({ type: 'complaint', address: 'DAN@shop.example' });
      await expect(replayDelivery(ctx, sent!.id)).rejects.toThrow(`delivery ${sent!.id} was not replayed: its address is on the suppression list (complaint)`);
      await recorder.record('Order.Created', { email_address: 'dan@shop.example', order_id: 12 });
      await runType(ctx, { type: 'Order.Created', trigger: 'immediate' });
      const suppressed = (await deliveries(engine.db))[1]!;
      expect(suppressed.status).toBe('suppressed');
      await expect(replayDelivery(ctx, suppressed.id)).rejects.toThrow(/is suppressed/);
      expect(smtp.state.accepted).toHaveLength(1);
    } finally {
      await app.close();
    }
  });

  it('a soft bounce suppresses nothing: the next message goes out', async () => {
    const { app, ctx, recorder } = await mailApp(engine);
    try {
      await app.suppressions.reportBounces([{ type: 'soft', address: 'full@shop.example' }]);
      await recorder.record('Order.Created', { email_address: 'full@shop.example', order_id: 8 });
      expect(await runType(ctx, { type: 'Order.Created', trigger: 'immediate' })).toMatchObject({ deliveriesSent: 1 });
      expect(smtp.state.accepted.map((m) => m.to)).toEqual([['full@shop.example']]);
      expect((await deliveries(engine.db))[0]!.status).toBe('sent');
    } finally {
      await app.close();
    }
  });

  it('unsuppressed, the address receives its next message again', async () => {
    const { app, ctx, recorder } = await mailApp(engine);
    try {
      await app.suppressions.reportBounces({ type: 'complaint', address: 'cara@shop.example' });
      await recorder.record('Order.Created', { email_address: 'cara@shop.example', order_id: 9 });
      await runType(ctx, { type: 'Order.Created', trigger: 'immediate' });
      expect(await app.suppressions.unsuppress('Cara@Shop.Example')).toBe(true);
      await recorder.record('Order.Created', { email_address: 'cara@shop.example', order_id: 10 });
      await runType(ctx, { type: 'Order.Created', trigger: 'immediate' });
      expect((await deliveries(engine.db)).map((r) => r.status)).toEqual(['suppressed', 'sent']);
      expect(smtp.state.accepted).toHaveLength(1);
      expect(smtp.state.accepted[0]!.raw).toContain('#10');
    } finally {
      await app.close();
    }
  });
});

describeEngines('the suppression check of a page', (engine) => {
  beforeEach(() => truncateAll(engine.db));

  it('is one query for a page of deliveries, whatever their number', async () => {
    const { app, ctx, recorder, transport } = await testApp(engine);
    await app.suppressions.suppress('u3@shop.example', 'bounce');
    await app.suppressions.suppress('u17@shop.example', 'complaint');
    for (let i = 0; i < 40; i++) await recorder.record('Order.Created', { email_address: `u${i}@shop.example`, order_id: i + 1 });
    // Counted wherever they run: the claim looks its rendered messages up
    // beside its writes (MySQL: the pool; SQLite: its own transaction).
    const lookups: string[] = [];
    const count = (sql: string) => { if (/FROM digest_suppressions/.test(sql)) lookups.push(sql); };
    const db = ctx.db;
    ctx.db = {
      ...db,
      all: (sql, p) => { count(sql); return db.all(sql, p); },
      transaction: (fn) => db.transaction((tx) => fn({ ...tx, all: (sql, p) => { count(sql); return tx.all(sql, p); } })),
    };
    const suppressed = collectEvents(ctx.lifecycle, 'delivery.suppressed');
    try {
      const summary = await runType(ctx, { type: 'Order.Created', trigger: 'immediate' });
      expect(summary).toMatchObject({ deliveriesCreated: 40, deliveriesSent: 38 });
      expect(lookups).toHaveLength(1);
      expect(suppressed.seen.map((e) => e.reason).sort()).toEqual(['bounce', 'complaint']);
      expect(transport.sent.map((m) => m.to)).not.toContain('u3@shop.example');
      expect(transport.sent).toHaveLength(38);
    } finally {
      ctx.db = db;
      suppressed.stop();
    }
  });

  it('is one query for a batch of retries too (their stored addresses are looked up ahead of the re-render)', async () => {
    const dbClock = new DatabaseClock();
    const { app, ctx, recorder, transport } = await testApp(engine, { retryBaseMs: 50, databaseNow: dbClock.now });
    for (let i = 0; i < 6; i++) {
      transport.failFor.add(`r${i}@shop.example`);
      await recorder.record('Order.Created', { email_address: `r${i}@shop.example`, order_id: i + 1 });
    }
    expect(await runType(ctx, { type: 'Order.Created', trigger: 'immediate' })).toMatchObject({ deliveriesFailed: 6 });
    transport.failFor.clear();
    await app.suppressions.suppress('R2@shop.example', 'bounce');
    dbClock.advance(60_000);
    const all = vi.spyOn(engine.db, 'all');
    try {
      const outcomes = await recoverDeliveries(ctx);
      expect(outcomes.sort()).toEqual(['sent', 'sent', 'sent', 'sent', 'sent', 'suppressed']);
      expect(all.mock.calls.filter(([sql]) => /FROM digest_suppressions/.test(sql))).toHaveLength(1);
      expect(transport.sent.map((m) => m.to)).not.toContain('r2@shop.example');
    } finally {
      all.mockRestore();
    }
  });

  it('matches the rendered address in any case, not the recipient key (a supplier id)', async () => {
    const { app, ctx, recorder, transport } = await testApp(engine);
    await app.suppressions.suppress('s1@supplier.example');
    // The handler sends to supplier_email as given: here upper-cased.
    const request = (i: number, supplier: number) => ({
      request_id: `R${i}`, supplier_id: `S${supplier}`, supplier_email: `S${supplier}@Supplier.EXAMPLE`,
      customer_email: `c${i}@shop.example`, item: `item ${i}`, quantity: 1,
    });
    for (let i = 0; i < 4; i++) await recorder.record('Purchase.Requested', request(i, i % 2));
    expect(await runType(ctx, { type: 'Purchase.Requested', trigger: 'manual' })).toMatchObject({ deliveriesCreated: 2, deliveriesSent: 1 });
    expect(transport.sent.map((m) => m.recipient)).toEqual(['S0']);
    const rows = await deliveries(engine.db);
    // The row keeps the address it would have gone to, as rendered.
    expect(rows.find((r) => r.recipient === 'S1')).toMatchObject({ status: 'suppressed', address: 'S1@Supplier.EXAMPLE' });
    expect(await unstamped(engine.db)).toBe(0);
  });
});
