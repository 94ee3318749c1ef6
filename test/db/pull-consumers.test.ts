/**
 * Pull consumers as separate processes over HTTP, on both engines: three
 * consumers (test/support/pull-consumer.mjs) take 5,000 deliveries of a pull
 * transport from a server on 127.0.0.1 with an API token. One of them is
 * killed (SIGKILL) mid-batch holding leased deliveries: those come back after
 * the visibility timeout (3 s) and the other two ack them. Every delivery is
 * sent exactly once and acked, and ends `sent` with its event stamped.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createMetrics } from '../../src/http/metrics.js';
import { createHttpServer } from '../../src/http/server.js';
import { runType } from '../../src/runner/run.js';
import { testApp } from '../support/app.js';
import { describeEngines } from '../support/engines.js';
import { pullConfig } from '../support/pull-config.js';

const TOKEN = 'pull-consumers-token-0123456789';
const DELIVERIES = 5_000;
const CONSUMER = resolve('test/support/pull-consumer.mjs');

interface Consumer { name: string; proc: ChildProcess; lines: string[]; exited: Promise<number | null>; stderr: string[] }

function startConsumer(name: string, env: Record<string, string>): Consumer {
  const proc = spawn(process.execPath, [CONSUMER], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const stderr: string[] = [];
  let rest = '';
  proc.stdout!.on('data', (chunk: Buffer) => {
    const parts = (rest + chunk.toString()).split('\n');
    rest = parts.pop()!;
    lines.push(...parts);
  });
  proc.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const exited = new Promise<number | null>((r) => proc.on('close', (code) => r(code)));
  return { name, proc, lines, exited, stderr };
}

const idsOf = (lines: readonly string[], verb: string) =>
  lines.filter((l) => l.startsWith(`${verb} `)).map((l) => Number(l.split(' ')[1]));

describeEngines('pull consumers in separate processes', (engine) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  let server: FastifyInstance;
  let base: string;
  const consumers: Consumer[] = [];

  beforeAll(async () => {
    t = await testApp(engine, { config: pullConfig() });
    server = await createHttpServer(t.app, { token: TOKEN, metrics: createMetrics(t.ctx) });
    await server.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(server.server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    for (const c of consumers) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
    await server?.close();
    await t?.app.close();
  });

  it('three consumers take 5,000 deliveries: each sent once and acked; the one killed mid-batch loses nothing', async () => {
    // 5,000 per-event receipts, claimed and rendered by runs as the scheduler would.
    for (let i = 0; i < DELIVERIES; i += 1000) {
      await t.recorder.recordMany(Array.from({ length: 1000 }, (_, j) => ({ type: 'Order.Created', payload: { email_address: `c${i + j}@shop.example`, order_id: i + j + 1 } })));
    }
    const summary = await runType(t.ctx, { type: 'Order.Created', trigger: 'manual' });
    expect(summary).toMatchObject({ eventsClaimed: DELIVERIES, deliveriesCreated: DELIVERIES, deliveriesSent: 0 });
    expect(t.transport.sent).toEqual([]);

    const env = { BASE: base, TOKEN, VISIBILITY_MS: '3000', MAX: '20', IDLE_EXIT_MS: '4000' };
    consumers.push(
      startConsumer('a', env),
      startConsumer('b', env),
      // Stalls holding half a batch after 300 acks, and is killed there.
      startConsumer('victim', { ...env, STALL_AFTER: '300' }),
    );
    const [a, b, victim] = consumers as [Consumer, Consumer, Consumer];
    await expect.poll(() => victim.lines.includes('stalled') || victim.proc.exitCode !== null, { timeout: 60_000, interval: 50 }).toBe(true);
    expect(victim.lines).toContain('stalled');
    victim.proc.kill('SIGKILL');
    expect(await victim.exited).toBe(null);
    const lastBatch = idsOf(victim.lines, 'leased').length ? victim.lines.filter((l) => l.startsWith('leased ')).at(-1)!.slice(7).split(',').map(Number) : [];
    const victimAcked = new Set(idsOf(victim.lines, 'acked'));
    const orphans = lastBatch.filter((id) => !victimAcked.has(id));
    expect(orphans.length).toBeGreaterThan(0);

    expect(await a.exited, a.stderr.join('')).toBe(0);
    expect(await b.exited, b.stderr.join('')).toBe(0);

    const sent = consumers.flatMap((c) => idsOf(c.lines, 'sent'));
    const acked = consumers.flatMap((c) => idsOf(c.lines, 'acked'));
    // Exactly once: no delivery was sent twice, and every one sent was acked.
    expect(sent.length).toBe(new Set(sent).size);
    expect(sent.length).toBe(DELIVERIES);
    expect(new Set(acked)).toEqual(new Set(sent));
    expect(consumers.flatMap((c) => c.lines.filter((l) => l.startsWith('ack ')))).toEqual([]);
    // The killed consumer's leased deliveries were leased again after its visibility ran out, and acked by the others.
    const othersAcked = new Set([...idsOf(a.lines, 'acked'), ...idsOf(b.lines, 'acked')]);
    for (const id of orphans) expect(othersAcked.has(id), `delivery ${id}`).toBe(true);
    // Each consumer did its share.
    for (const c of consumers) expect(idsOf(c.lines, 'acked').length, c.name).toBeGreaterThan(0);

    const rows = await engine.db.all<{ status: string; n: number }>('SELECT status, COUNT(*) AS n FROM digest_deliveries GROUP BY status');
    expect(rows.map((r) => [r.status, Number(r.n)])).toEqual([['sent', DELIVERIES]]);
    const unstamped = await engine.db.all<{ n: number }>('SELECT COUNT(*) AS n FROM digest_events WHERE processed_at IS NULL');
    expect(Number(unstamped[0]!.n)).toBe(0);
    // The Message-ID a consumer sent with is the one stored.
    const line = a.lines.find((l) => l.startsWith('sent '))!.split(' ');
    const [stored] = await engine.db.all<{ messageId: string }>('SELECT message_id AS messageId FROM digest_deliveries WHERE id = ?', [Number(line[1])]);
    expect(stored!.messageId).toBe(line[2]);
  }, 120_000);
});
