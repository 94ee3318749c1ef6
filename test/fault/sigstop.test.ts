/**
 * Fencing a stalled worker: replica A is frozen (SIGSTOP) while its SMTP send
 * is in flight; its lease expires, replica B recovers the delivery and sends
 * it. When A wakes, the server's late "250 OK" reaches it and it tries to mark
 * the delivery sent with its old lease token: that update must change nothing
 * (B's sent row and the event's stamp stay exactly as B left them).
 */
import { expect, it } from 'vitest';
import { testApp } from '../support/app.js';
import { startCli } from '../support/cli.js';
import { describeEngines, type TestEngine } from '../support/engines.js';
import { startSmtpServer } from '../support/smtp-server.js';
import { waitFor } from '../support/wait.js';
import { receiptsBySmtp, writeSchedules } from '../support/config-file.js';

type Proc = ReturnType<typeof startCli>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const isAlive = (p: Proc) => p.child.exitCode == null && p.child.signalCode == null;

/** pino JSON lines on stderr with this evt. */
const logged = (p: Proc, evt: string) =>
  p.out.stderr.split('\n').filter((l) => l.includes(`"evt":"${evt}"`)).map((l) => JSON.parse(l) as Record<string, unknown>);

const deliveryRow = async (engine: TestEngine) => {
  const rows = await engine.db.all<Record<string, unknown>>(
    `SELECT id, status, attempts, sent_at AS sentAt, updated_at AS updatedAt, lease_token AS leaseToken,
            lease_until AS leaseUntil, message_id AS messageId, error FROM digest_deliveries`);
  expect(rows).toHaveLength(1);
  return rows[0]!;
};
const eventRow = async (engine: TestEngine) => {
  const rows = await engine.db.all<Record<string, unknown>>(
    'SELECT id, delivery_id AS deliveryId, processed_at AS processedAt FROM digest_events');
  expect(rows).toHaveLength(1);
  return rows[0]!;
};
/** Dates (MySQL) and text (SQLite) alike, comparable with toEqual. */
const plain = (row: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v instanceof Date ? v.toISOString() : typeof v === 'bigint' ? Number(v) : v]));

describeEngines('a SIGSTOPped replica whose lease was taken over', (engine) => {
  it('A frozen mid-send, B re-sends it; A wakes to the late 250 and its fenced update changes nothing', async () => {
    const smtp = await startSmtpServer();
    const config = writeSchedules(receiptsBySmtp(smtp.url, 5));
    const env = { DATABASE_URL: engine.url, LOG_LEVEL: 'info', DIGEST_LEASE_SECONDS: '2', DIGEST_SHUTDOWN_GRACE_SECONDS: '5' };
    const procs: Proc[] = [];
    let stopped: Proc | undefined;
    try {
      smtp.state.delayMs = 4_000;
      const { recorder } = await testApp(engine);
      const eventId = await recorder.record('Order.Created', { email_address: 'ann@shop.example', order_id: 7 });

      const a = startCli(['scheduler', '--config', config], env);
      procs.push(a);
      // A claimed it and handed it to SMTP; the server sits on its answer.
      await waitFor(async () => (await engine.db.all<{ status: string }>('SELECT status FROM digest_deliveries'))[0]?.status === 'sending', 15_000, 10);
      // … and the server has A's whole message: A is waiting for the reply.
      await waitFor(() => smtp.state.attempts === 1, 5_000, 5);
      process.kill(a.child.pid!, 'SIGSTOP');
      stopped = a;
      expect(smtp.state.accepted).toHaveLength(0); // the server has not answered A yet
      const claimedByA = await deliveryRow(engine);
      expect(claimedByA).toMatchObject({ status: 'sending', attempts: 1, sentAt: null });
      expect(claimedByA.leaseToken).not.toBeNull();

      smtp.state.delayMs = 0;
      const b = startCli(['scheduler', '--config', config], env);
      procs.push(b);
      // A's 2 s lease runs out; B's recovery loop takes the delivery and sends it.
      await waitFor(async () => (await deliveryRow(engine)).status === 'sent', 15_000, 20);
      const sentByB = plain(await deliveryRow(engine));
      const stampedByB = plain(await eventRow(engine));
      expect(sentByB).toMatchObject({ status: 'sent', attempts: 2, leaseToken: null, leaseUntil: null, error: null, messageId: expect.stringMatching(new RegExp(`^<delivery\\.${Number(sentByB.id)}@shop\\.example>$`)) });
      expect(sentByB.sentAt).not.toBeNull();
      expect(stampedByB).toMatchObject({ id: eventId, deliveryId: sentByB.id });
      expect(stampedByB.processedAt).not.toBeNull();
      // The log line follows the commit; give the pipe a moment to bring it.
      await waitFor(() => logged(b, 'delivery.sent').length > 0, 5_000, 20);
      expect(logged(b, 'delivery.sent')).toEqual([expect.objectContaining({ deliveryId: sentByB.id, attempt: 2 })]);

      process.kill(a.child.pid!, 'SIGCONT');
      stopped = undefined;
      // A gets the late 250 (the server answered ~4 s after A's DATA), tries
      // its fenced mark-sent, loses, and finishes its run having sent nothing.
      await waitFor(() => logged(a, 'run.finished').length > 0, 10_000, 20);
      expect(logged(a, 'run.finished')).toEqual([expect.objectContaining({ eventsClaimed: 1, deliveriesSent: 0, deliveriesFailed: 0 })]);
      await waitFor(() => smtp.state.accepted.length >= 2, 5_000, 20);
      await sleep(2_000); // anything A (or B) would still do to the rows, it does now

      expect(plain(await deliveryRow(engine))).toEqual(sentByB);
      expect(plain(await eventRow(engine))).toEqual(stampedByB);
      const [stamps] = await engine.db.all<{ n: unknown }>('SELECT COUNT(*) AS n FROM digest_events WHERE processed_at IS NOT NULL');
      expect(Number(stamps!.n)).toBe(1);
      expect(logged(a, 'delivery.sent')).toEqual([]);
      expect(logged(a, 'delivery.failed')).toEqual([]);
      // At least once: A's copy and B's copy, the same message under the same Message-ID.
      expect(smtp.state.accepted.map((m) => m.messageId)).toEqual([sentByB.messageId, sentByB.messageId]);
      expect(smtp.state.accepted.map((m) => [m.to, m.subject])).toEqual([
        [['ann@shop.example'], 'Your receipt for order #7'],
        [['ann@shop.example'], 'Your receipt for order #7'],
      ]);

      a.child.kill('SIGTERM');
      b.child.kill('SIGTERM');
      expect(await Promise.all([a.exited, b.exited])).toEqual([0, 0]);
      for (const p of [a, b]) expect(p.out.stderr).not.toMatch(/"level":50|SQLITE_BUSY|database is locked/);
    } finally {
      if (stopped && isAlive(stopped)) process.kill(stopped.child.pid!, 'SIGCONT');
      for (const p of procs) if (isAlive(p)) p.child.kill('SIGKILL');
      await Promise.all(procs.map((p) => p.exited));
      await smtp.close();
    }
  }, 45_000);
});
