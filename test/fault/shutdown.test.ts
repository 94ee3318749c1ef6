import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEngines } from '../support/engines.js';
import { testApp } from '../support/app.js';
import { startCli } from '../support/cli.js';
import { startSmtpServer } from '../support/smtp-server.js';
import { waitFor } from '../support/wait.js';
import { receiptsBySmtp, writeSchedules } from '../support/config-file.js';

let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
beforeAll(async () => { smtp = await startSmtpServer(); });
afterAll(() => smtp.close());

describeEngines('graceful shutdown', (engine) => {
  it('SIGTERM during a slow SMTP send: the send completes, the process exits 0 in the grace period, nothing stays claimed', async () => {
    const config = writeSchedules(receiptsBySmtp(smtp.url, 100));
    smtp.state.accepted.length = 0;
    smtp.state.delayMs = 2_000;
    const { recorder } = await testApp(engine);
    // Eight events: a few are in flight (4 at a time) when the signal comes, the rest claimed but not started.
    for (let i = 1; i <= 8; i++) await recorder.record('Order.Created', { email_address: `c${i}@shop.example`, order_id: i });
    const proc = startCli(['scheduler', '--config', config], { DATABASE_URL: engine.url, LOG_LEVEL: 'info', DIGEST_SHUTDOWN_GRACE_SECONDS: '10' });
    try {
      await waitFor(async () => (await engine.db.all("SELECT id FROM digest_deliveries WHERE status = 'sending'")).length >= 1, 15_000);
      const signalledAt = Date.now();
      proc.child.kill('SIGTERM');
      expect(await proc.exited).toBe(0);
      const tookMs = Date.now() - signalledAt;
      expect(tookMs).toBeLessThan(10_000);
      const rows = await engine.db.all<{ status: string }>('SELECT status FROM digest_deliveries ORDER BY id');
      const by = (st: string) => rows.filter((r) => r.status === st).length;
      // Every send in flight completed; nothing is left half-done.
      expect(by('sending')).toBe(0);
      expect(by('sent')).toBeGreaterThanOrEqual(1);
      expect(by('sent')).toBe(smtp.state.accepted.length);
      expect(by('sent') + by('pending')).toBe(8);
      expect(by('pending')).toBeGreaterThanOrEqual(1);
      // The ones it never started were handed back: their lease ends now, so
      // any replica (or the next start) takes them at once.
      const [{ n }] = await engine.db.all<{ n: number }>(
        `SELECT COUNT(*) AS n FROM digest_deliveries WHERE status = 'pending' AND lease_until <= ${engine.name === 'mysql' ? 'UTC_TIMESTAMP(3)' : "strftime('%Y-%m-%d %H:%M:%f','now')"}`);
      expect(Number(n)).toBe(by('pending'));
      expect(proc.out.stderr).toContain('"evt":"scheduler.stopped"');
    } finally {
      proc.child.kill('SIGKILL');
      smtp.state.delayMs = 0;
    }
    // The next scheduler sends the two that were handed back.
    const next = startCli(['scheduler', '--config', config], { DATABASE_URL: engine.url });
    try {
      await waitFor(() => smtp.state.accepted.length === 8, 15_000);
    } finally {
      next.child.kill('SIGTERM');
    }
    expect(await next.exited).toBe(0);
    const [{ sent }] = await engine.db.all<{ sent: number }>("SELECT COUNT(*) AS sent FROM digest_deliveries WHERE status = 'sent'");
    expect(Number(sent)).toBe(8);
  });
});
