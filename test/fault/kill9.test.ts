/**
 * Crash safety under SIGKILL: a `digest scheduler` process draining thousands
 * of Order.Created receipts through a real SMTP server is killed with SIGKILL
 * at random moments and restarted at once, again and again; then the last one
 * is left to finish. Nothing may be lost (every event stamped, linked to one
 * sent delivery, every delivery's Message-ID accepted by the server) and the
 * only duplicates allowed are re-sends of the same delivery with the same
 * Message-ID (at-least-once, the receiver can drop them).
 *
 * DIGEST_SOAK=1 scales it up (more events, more kills, a longer bound).
 */
import { expect, it } from 'vitest';
import { testApp } from '../support/app.js';
import { startCli } from '../support/cli.js';
import { describeEngines, type TestEngine } from '../support/engines.js';
import { startSmtpServer } from '../support/smtp-server.js';
import { receiptsBySmtp, writeSchedules } from '../support/config-file.js';

const SOAK = process.env.DIGEST_SOAK === '1';
const PLAN = SOAK
  ? { events: 20_000, recipients: 100, kills: 50, boundMs: 540_000 }
  : { events: 5_000, recipients: 100, kills: 10, boundMs: 90_000 };
const CHUNK = 1_000;
const LEASE_SECONDS = '1';

type Proc = ReturnType<typeof startCli>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const randomBetween = (lo: number, hi: number) => lo + Math.floor(Math.random() * (hi - lo + 1));
const isAlive = (p: Proc) => p.child.exitCode == null && p.child.signalCode == null;

async function progress(engine: TestEngine) {
  const [ev] = await engine.db.all<{ total: unknown; processed: unknown }>(
    'SELECT COUNT(*) AS total, COUNT(processed_at) AS processed FROM digest_events');
  const byStatus = await engine.db.all<{ status: string; n: unknown }>(
    'SELECT status, COUNT(*) AS n FROM digest_deliveries GROUP BY status');
  const statuses = Object.fromEntries(byStatus.map((r) => [r.status, Number(r.n)]));
  const notSent = Object.entries(statuses).filter(([s]) => s !== 'sent').reduce((n, [, c]) => n + c, 0);
  return { total: Number(ev!.total), processed: Number(ev!.processed), statuses, notSent };
}

describeEngines('SIGKILL at random moments while draining through SMTP', (engine) => {
  it(`${PLAN.events} receipts, ${PLAN.recipients} recipients, ≥ ${PLAN.kills} SIGKILLs: every event sent and stamped once, only same-Message-ID re-sends`, async () => {
    const started = Date.now();
    const deadline = started + PLAN.boundMs;
    const smtp = await startSmtpServer();
    const config = writeSchedules(receiptsBySmtp(smtp.url, 5));
    const env = { DATABASE_URL: engine.url, LOG_LEVEL: 'info', DIGEST_LEASE_SECONDS: LEASE_SECONDS, DIGEST_SHUTDOWN_GRACE_SECONDS: '10' };
    const procs: Proc[] = [];
    const spawnScheduler = () => {
      const p = startCli(['scheduler', '--config', config], env);
      procs.push(p);
      return p;
    };
    /** A clear failure instead of a test timeout, with what was reached. */
    const giveUp = async (what: string): Promise<never> => {
      const p = await progress(engine).catch(() => undefined);
      const last = procs.at(-1);
      throw new Error(`kill -9 test gave up after ${Math.round((Date.now() - started) / 1000)} s (bound ${PLAN.boundMs / 1000} s): ${what}; `
        + `kills=${kills}, progress=${JSON.stringify(p)}, accepted=${smtp.state.accepted.length}; last scheduler stderr tail:\n${last?.out.stderr.slice(-2000)}`);
    };
    /** Waits for the process to log scheduler.started; fails if it exits first. */
    const waitStarted = async (p: Proc) => {
      while (!p.out.stderr.includes('"evt":"scheduler.started"')) {
        if (!isAlive(p)) await giveUp(`a scheduler exited (code ${p.child.exitCode}) before starting`);
        if (Date.now() > deadline) await giveUp('a scheduler did not start');
        await sleep(10);
      }
    };

    let kills = 0;
    /** Unprocessed events right after each kill: > 0 means the kill interrupted the drain. */
    const outstandingAtKill: number[] = [];
    try {
      const { recorder } = await testApp(engine);
      for (let from = 0; from < PLAN.events; from += CHUNK) {
        const chunk = Array.from({ length: Math.min(CHUNK, PLAN.events - from) }, (_, k) => {
          const i = from + k;
          return { type: 'Order.Created', payload: { email_address: `r${i % PLAN.recipients}@shop.example`, order_id: i + 1 } };
        });
        expect(await recorder.recordMany(chunk)).toHaveLength(chunk.length);
      }

      // Kill phase: each scheduler gets to start, works for a random
      // 150–700 ms, and is SIGKILLed; a new one starts at once.
      let current = spawnScheduler();
      while (kills < PLAN.kills) {
        await waitStarted(current);
        await sleep(randomBetween(150, 700));
        if (!isAlive(current)) await giveUp(`a scheduler died on its own (code ${current.child.exitCode})`);
        current.child.kill('SIGKILL');
        await current.exited;
        kills++;
        current = spawnScheduler();
        const p = await progress(engine);
        outstandingAtKill.push(p.total - p.processed);
        if (p.processed === p.total && p.notSent === 0) break; // drained too soon: the kill count assertion below says so
        if (Date.now() > deadline) await giveUp('still in the kill phase');
      }

      // The last one finishes the job.
      await waitStarted(current);
      for (;;) {
        const p = await progress(engine);
        if (p.total === PLAN.events && p.processed === p.total && p.notSent === 0) break;
        if (!isAlive(current)) await giveUp(`the last scheduler exited (code ${current.child.exitCode})`);
        if (Date.now() > deadline) await giveUp('the last scheduler did not drain everything');
        await sleep(200);
      }
      current.child.kill('SIGTERM');
      expect(await current.exited).toBe(0);
      await sleep(200); // a stray re-send still in flight would land now
    } finally {
      for (const p of procs) if (isAlive(p)) p.child.kill('SIGKILL');
      await Promise.all(procs.map((p) => p.exited));
      await smtp.close();
    }

    expect(kills).toBeGreaterThanOrEqual(PLAN.kills);
    // Every kill landed while events were still outstanding.
    expect(outstandingAtKill.filter((n) => n === 0)).toEqual([]);

    // Every event stamped, linked to exactly one delivery, and that one is sent.
    const [ev] = await engine.db.all<Record<string, unknown>>(
      `SELECT COUNT(*) AS total, COUNT(processed_at) AS processed, COUNT(delivery_id) AS linked,
              COUNT(DISTINCT delivery_id) AS deliveries FROM digest_events`);
    expect(Object.fromEntries(Object.entries(ev!).map(([k, v]) => [k, Number(v)])))
      .toEqual({ total: PLAN.events, processed: PLAN.events, linked: PLAN.events, deliveries: PLAN.events });
    const [joined] = await engine.db.all<{ n: unknown }>(
      `SELECT COUNT(*) AS n FROM digest_events e JOIN digest_deliveries d ON d.id = e.delivery_id
        WHERE d.status = 'sent' AND d.sent_at IS NOT NULL AND e.processed_at IS NOT NULL`);
    expect(Number(joined!.n)).toBe(PLAN.events);

    // No delivery left pending/sending/failed/dead, and none without its event.
    const statuses = await engine.db.all<{ status: string; n: unknown }>('SELECT status, COUNT(*) AS n FROM digest_deliveries GROUP BY status');
    expect(statuses.map((r) => [r.status, Number(r.n)])).toEqual([['sent', PLAN.events]]);

    // Each sent delivery: its stable Message-ID, the right address and the right order.
    const rows = await engine.db.all<{ id: unknown; messageId: string; address: string; subject: string; payload: unknown; leaseToken: unknown }>(
      `SELECT d.id, d.message_id AS messageId, d.address, d.subject, d.lease_token AS leaseToken, e.payload
         FROM digest_deliveries d JOIN digest_events e ON e.delivery_id = d.id`);
    expect(rows).toHaveLength(PLAN.events);
    const byMessageId = new Map<string, { address: string; subject: string }>();
    const wrong: unknown[] = [];
    for (const r of rows) {
      const payload = (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload) as { email_address: string; order_id: number };
      if (!new RegExp(`^<delivery\\.${Number(r.id)}@shop\\.example>$`).test(r.messageId) || r.address !== payload.email_address
        || r.subject !== `Your receipt for order #${payload.order_id}` || r.leaseToken != null) wrong.push(r);
      byMessageId.set(r.messageId, { address: r.address, subject: r.subject });
    }
    expect(wrong.slice(0, 5)).toEqual([]);
    expect(byMessageId.size).toBe(PLAN.events);

    // What the SMTP server accepted is exactly the sent deliveries' Message-IDs …
    const copies = new Map<string, number>();
    const mismatched: unknown[] = [];
    for (const m of smtp.state.accepted) {
      copies.set(m.messageId, (copies.get(m.messageId) ?? 0) + 1);
      const d = byMessageId.get(m.messageId);
      // … and every copy, duplicates included, is that delivery's message.
      if (d && (m.subject !== d.subject || m.to.length !== 1 || m.to[0] !== d.address)) mismatched.push({ messageId: m.messageId, to: m.to, subject: m.subject });
    }
    const missing = [...byMessageId.keys()].filter((id) => !copies.has(id));
    const unknown = [...copies.keys()].filter((id) => !byMessageId.has(id));
    expect({ missing: missing.slice(0, 10), unknown: unknown.slice(0, 10) }).toEqual({ missing: [], unknown: [] });
    expect(copies.size).toBe(PLAN.events);
    expect(mismatched.slice(0, 5)).toEqual([]);
    const duplicated = [...copies.values()].filter((n) => n > 1);
    const extraCopies = duplicated.reduce((s, n) => s + (n - 1), 0);
    expect(smtp.state.accepted.length - PLAN.events).toBe(extraCopies);

    console.log(`[${engine.name}] kill -9: ${PLAN.events} events, ${kills} SIGKILLs, ${smtp.state.accepted.length} messages accepted, `
      + `${extraCopies} duplicate copies (${duplicated.length} Message-IDs re-sent, at most ${Math.max(1, ...duplicated)} copies of one), `
      + `${smtp.state.errors.length} SMTP client resets, ${Math.round((Date.now() - started) / 100) / 10} s`);
  }, PLAN.boundMs + 60_000);
});
