import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import type { DigestConfig } from '../../src/config/types.js';
import { createMetrics } from '../../src/http/metrics.js';
import { immediateLoop } from '../../src/scheduler/immediate-loop.js';
import { recoveryLoop } from '../../src/scheduler/recovery-loop.js';
import { createTransport } from '../../src/transports/create.js';
import { describeEngines } from '../support/engines.js';
import { testApp } from '../support/app.js';
import { startSmtpServer } from '../support/smtp-server.js';
import { nextEvent } from '../support/events.js';
import { waitFor } from '../support/wait.js';

/** DIGEST_SOAK=1: the full variant (3,000 receipts, SMTP down for 10 minutes). */
const soak = process.env.DIGEST_SOAK === '1';
const RECEIPTS = soak ? 3_000 : 300;
const DOWN_MS = soak ? 10 * 60_000 : 2_000;

let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
beforeAll(async () => { smtp = await startSmtpServer(); });
afterAll(() => smtp.close());

function capturingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({ write(chunk, _enc, done) { lines.push(JSON.parse(String(chunk))); done(); } });
  return { logger: pino({ level: 'info' }, stream), lines };
}

describeEngines('SMTP outage during a drain', (engine) => {
  it(`server stopped mid-drain of ${RECEIPTS} receipts, then back: all sent once, none dead, no attempt spent, one down and one up`, async () => {
    const config: DigestConfig = {
      timezone: 'UTC',
      transports: { mail: { name: 'mail', kind: 'smtp', url: smtp.url, from: 'Shop <no-reply@shop.example>' } },
      events: { 'Order.Created': { type: 'Order.Created', cadence: { kind: 'immediate', text: 'immediate' }, transport: 'mail', timezone: 'UTC', maxAttempts: 5, batchSize: 100 } },
    };
    smtp.state.accepted.length = 0; // the server is shared by both engines' runs
    const { logger, lines } = capturingLogger();
    // Retries 50 ms apart: had the outage cost attempts, maxAttempts 5 would be spent within a second.
    const { app, ctx, recorder } = await testApp(engine, {
      config, logger, transports: { mail: createTransport(config.transports.mail!) },
      retryBaseMs: 50, transportPause: { baseMs: 100, maxMs: 400 },
    });
    const metrics = createMetrics(ctx);
    metrics.subscribe(ctx.lifecycle);
    const gauge = async () => (await metrics.registry.getSingleMetric('digest_transport_up')!.get()).values.find((v) => v.labels.transport === 'mail')?.value;
    const stop = new AbortController();
    const loops: Array<Promise<void>> = [];
    try {
      expect(await gauge()).toBe(1);
      const ids = await recorder.recordMany(Array.from({ length: RECEIPTS }, (_, i) => ({
        type: 'Order.Created', payload: { email_address: `r${i}@shop.example`, order_id: i + 1 },
      })));
      expect(ids).toHaveLength(RECEIPTS);
      loops.push(immediateLoop(ctx, 'Order.Created', systemClock, 50, stop.signal), recoveryLoop(ctx, systemClock, 50, stop.signal));

      // Mid-drain: the server goes away.
      await waitFor(() => smtp.state.accepted.length >= RECEIPTS / 5, 20_000, 5);
      const wentDown = nextEvent(ctx.lifecycle, 'transport.down', undefined, 5_000);
      await smtp.stop();
      await wentDown;
      expect(await gauge()).toBe(0);
      const acceptedWhileDown = smtp.state.accepted.length;
      expect(acceptedWhileDown).toBeLessThan(RECEIPTS);
      await new Promise((r) => setTimeout(r, DOWN_MS));
      expect(await gauge()).toBe(0);
      // Nothing is dead or counted while it is down.
      const [during] = await engine.db.all<{ dead: number; retried: number }>(
        "SELECT SUM(CASE WHEN status IN ('dead', 'failed') THEN 1 ELSE 0 END) AS dead, SUM(CASE WHEN attempts > 1 THEN 1 ELSE 0 END) AS retried FROM digest_deliveries");
      expect([Number(during!.dead ?? 0), Number(during!.retried ?? 0)]).toEqual([0, 0]);

      await smtp.start();
      await waitFor(async () => {
        const [{ n }] = await engine.db.all<{ n: number }>("SELECT COUNT(*) AS n FROM digest_deliveries WHERE status = 'sent'");
        return Number(n) === RECEIPTS;
      }, soak ? 300_000 : 20_000, 50);
      expect(await gauge()).toBe(1);

      const rows = await engine.db.all<{ status: string; attempts: number; messageId: string }>(
        'SELECT status, attempts, message_id AS messageId FROM digest_deliveries');
      expect(rows).toHaveLength(RECEIPTS);
      expect(rows.filter((r) => r.status !== 'sent' || Number(r.attempts) !== 1)).toEqual([]);
      // Each Message-ID accepted by the server exactly once, and every delivery's among them.
      const accepted = smtp.state.accepted.map((m) => m.messageId);
      expect(accepted).toHaveLength(RECEIPTS);
      expect(new Set(accepted)).toEqual(new Set(rows.map((r) => r.messageId)));
      const [{ n: unprocessed }] = await engine.db.all<{ n: number }>('SELECT COUNT(*) AS n FROM digest_events WHERE processed_at IS NULL');
      expect(Number(unprocessed)).toBe(0);

      // The outage in the logs: one line each way, nothing per delivery.
      const down = lines.filter((l) => l.evt === 'transport.down');
      expect(down).toHaveLength(1);
      expect(down[0]).toMatchObject({ level: 40, transport: 'mail' });
      expect(['ECONNREFUSED', 'ECONNECTION', 'ECONNRESET', 'SMTP 421']).toContain(down[0]!.code);
      expect(lines.filter((l) => l.evt === 'transport.up')).toEqual([expect.objectContaining({ level: 30, transport: 'mail' })]);
      expect(lines.filter((l) => Number(l.level) >= 40 && l.evt !== 'transport.down')).toEqual([]);
      expect(lines.filter((l) => l.evt === 'delivery.failed' || l.evt === 'delivery.dead' || l.evt === 'delivery.retrying')).toEqual([]);
    } finally {
      stop.abort();
      await Promise.allSettled(loops);
      await app.close();
    }
  }, soak ? 1_200_000 : 30_000);
});
