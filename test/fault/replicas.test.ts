/**
 * Three `digest scheduler` replicas on one database, started together, while
 * the app records a stream of events: SKIP LOCKED (MySQL) / BEGIN IMMEDIATE
 * (SQLite) claims, unique tick slots and leases must divide the work with
 * nothing lost and nothing sent twice.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { testApp } from '../support/app.js';
import { shopPrelude } from '../support/config-file.js';
import { startCli } from '../support/cli.js';
import { parseEml } from '../support/eml.js';
import { describeEngines } from '../support/engines.js';
import { waitFor } from '../support/wait.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const REPLICAS = 3;
const ORDERS = 400;
const REQUESTS = 200;
const SUPPLIERS = 10;
const RECORD_FOR_MS = 4_000;

const orderOf = (line: string) => {
  const m = /^Sending receipt to \S+ for order #(\d+)\.\.\.$/.exec(line);
  return m ? Number(m[1]) : null;
};

describeEngines('three scheduler replicas on one database', (engine) => {
  it('divide a 4 s stream of orders and supplier requests: each sent once, every slot run once, work shared, exit 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'digest-replicas-'));
    const outbox = join(dir, 'outbox');
    const config = join(dir, 'schedules.yaml');
    writeFileSync(config, [
      shopPrelude + 'transports:',
      '  console: { kind: console }',
      `  outbox: { kind: file, dir: ${JSON.stringify(outbox)} }`,
      'events:',
      '  Order.Created: { cadence: immediate, transport: console }',
      '  Purchase.Requested: { cadence: every 1s, transport: outbox }',
      '',
    ].join('\n'));
    const replicas = Array.from({ length: REPLICAS }, () =>
      startCli(['scheduler', '--config', config], { DATABASE_URL: engine.url, LOG_LEVEL: 'info' }));
    const exitedEarly: number[] = [];
    replicas.forEach((r, i) => void r.exited.then(() => exitedEarly.push(i)));
    const codes: Array<number | null | 'timeout'> = [];
    let stopping = false;
    try {
      await waitFor(() => replicas.every((r) => r.out.stderr.includes('"evt":"scheduler.started"')), 20_000, 50);

      // The stream: 600 record() calls spread evenly over ~4 s, the two types interleaved.
      const { recorder } = await testApp(engine);
      const total = ORDERS + REQUESTS;
      const started = Date.now();
      let order = 0;
      let request = 0;
      for (let i = 0; i < total; i++) {
        const due = started + (i * RECORD_FOR_MS) / total;
        if (due > Date.now()) await sleep(due - Date.now());
        if (i % 3 === 2 && request < REQUESTS) {
          request++;
          const supplier = (request % SUPPLIERS) + 1;
          await recorder.record('Purchase.Requested', {
            request_id: request, supplier_id: supplier, supplier_email: `s${supplier}@supplier.example`,
            customer_email: `c${request % 17}@shop.example`, item: 'widget', quantity: 1 + (request % 5),
          });
        } else {
          order++;
          await recorder.record('Order.Created', { email_address: `c${order % 29}@shop.example`, order_id: order });
        }
      }
      expect({ order, request }).toEqual({ order: ORDERS, request: REQUESTS });

      // Everything processed: every event stamped, every receipt line arrived.
      await waitFor(async () => {
        const [row] = await engine.db.all<{ n: number }>('SELECT COUNT(*) AS n FROM digest_events WHERE processed_at IS NULL');
        return Number(row!.n) === 0 && replicas.reduce((n, r) => n + r.out.lines.length, 0) >= ORDERS;
      }, 20_000, 100);
      // A duplicate, if there were one, would show up now.
      await sleep(500);
      expect(exitedEarly, 'replicas that exited before SIGTERM').toEqual([]);

      stopping = true;
      for (const r of replicas) r.child.kill('SIGTERM');
      for (const r of replicas) codes.push(await Promise.race([r.exited, sleep(15_000).then(() => 'timeout' as const)]));
    } finally {
      for (const r of replicas) if (r.child.exitCode == null && r.child.signalCode == null) r.child.kill('SIGKILL');
      if (!stopping) await Promise.all(replicas.map((r) => r.exited));
    }
    expect(codes, 'exit codes after SIGTERM').toEqual(Array(REPLICAS).fill(0));

    // ---- Order.Created: every order printed exactly once across the replicas ----
    const perReplica = replicas.map((r) => r.out.lines.map((l) => orderOf(l.line)));
    const all = perReplica.flat();
    expect(all.filter((o) => o === null), 'stdout holds only receipt lines').toEqual([]);
    expect(all).toHaveLength(ORDERS);
    expect(new Set(all).size).toBe(ORDERS);
    expect(Math.min(...(all as number[]))).toBe(1);
    expect(Math.max(...(all as number[]))).toBe(ORDERS);

    // ---- every event stamped and linked to exactly one delivery, every delivery sent ----
    const byType = await engine.db.all<{ type: string; total: number; processed: number; linked: number; deliveries: number }>(
      `SELECT type, COUNT(*) AS total, COUNT(processed_at) AS processed, COUNT(delivery_id) AS linked,
              COUNT(DISTINCT delivery_id) AS deliveries
         FROM digest_events GROUP BY type ORDER BY type`);
    const events = Object.fromEntries(byType.map((r) => [r.type, {
      total: Number(r.total), processed: Number(r.processed), linked: Number(r.linked), deliveries: Number(r.deliveries),
    }]));
    expect(events['Order.Created']).toEqual({ total: ORDERS, processed: ORDERS, linked: ORDERS, deliveries: ORDERS });
    expect(events['Purchase.Requested']).toMatchObject({ total: REQUESTS, processed: REQUESTS, linked: REQUESTS });
    // Every delivery carries events (none empty, none dangling) and was sent.
    const deliveries = await engine.db.all<{ type: string; status: string; n: number; withEvents: number }>(
      `SELECT d.event_type AS type, d.status, COUNT(*) AS n,
              SUM(CASE WHEN EXISTS (SELECT 1 FROM digest_events e WHERE e.delivery_id = d.id) THEN 1 ELSE 0 END) AS withEvents
         FROM digest_deliveries d GROUP BY d.event_type, d.status ORDER BY d.event_type, d.status`);
    expect(deliveries.map((d) => ({ type: d.type, status: d.status }))).toEqual([
      { type: 'Order.Created', status: 'sent' }, { type: 'Purchase.Requested', status: 'sent' },
    ]);
    for (const d of deliveries) expect(Number(d.withEvents)).toBe(Number(d.n));
    expect(Number(deliveries[0]!.n)).toBe(ORDERS);
    const purchaseDeliveries = Number(deliveries[1]!.n);
    expect(purchaseDeliveries).toBe(events['Purchase.Requested']!.deliveries);
    // An event linked to a delivery of another type would be a claim bug.
    const [crossLinked] = await engine.db.all<{ n: number }>(
      'SELECT COUNT(*) AS n FROM digest_events e JOIN digest_deliveries d ON d.id = e.delivery_id WHERE d.event_type <> e.type');
    expect(Number(crossLinked!.n)).toBe(0);

    // ---- Purchase.Requested: one .eml per sent delivery, each request in exactly one ----
    const files = readdirSync(outbox).filter((f) => f.endsWith('.eml'));
    expect(files).toHaveLength(purchaseDeliveries);
    const requestsSeen = new Map<number, number>();
    for (const f of files) {
      const { body } = parseEml(readFileSync(join(outbox, f), 'utf8'));
      for (const m of body.matchAll(/^- #(\d+): /gm)) requestsSeen.set(Number(m[1]), (requestsSeen.get(Number(m[1])) ?? 0) + 1);
    }
    expect(requestsSeen.size).toBe(REQUESTS);
    expect([...requestsSeen.values()].every((n) => n === 1), 'a request listed in two digests').toBe(true);
    const twice = await engine.db.all(
      `SELECT run_id, recipient, COUNT(*) AS n FROM digest_deliveries WHERE event_type = 'Purchase.Requested'
        GROUP BY run_id, recipient HAVING COUNT(*) > 1`);
    expect(twice, 'a supplier with two deliveries in one run').toEqual([]);

    // ---- ticks: each slot ran at most once across the replicas, and ticks happened ----
    const dupSlots = await engine.db.all(
      `SELECT event_type, slot_at, COUNT(*) AS n FROM digest_runs WHERE slot_at IS NOT NULL
        GROUP BY event_type, slot_at HAVING COUNT(*) > 1`);
    expect(dupSlots, 'a slot that ran twice').toEqual([]);
    const runs = await engine.db.all<{ trigger: string; owner: string; slotAt: unknown; status: string }>(
      "SELECT `trigger`, owner, slot_at AS slotAt, status FROM digest_runs WHERE event_type = 'Purchase.Requested' ORDER BY slot_at");
    const ticks = runs.filter((r) => r.trigger === 'tick');
    expect(new Set(ticks.map((r) => String(r.slotAt))).size).toBeGreaterThanOrEqual(3);
    // 'stopped' is a slot that fired just as SIGTERM came (nothing left to claim by then).
    expect(runs.filter((r) => r.status !== 'succeeded' && r.status !== 'stopped'), 'slot runs that failed or never finished').toEqual([]);

    // ---- the work was shared ----------------------------------------------------
    const receiptSplit = perReplica.map((l) => l.length);
    const pids = replicas.map((r) => r.child.pid);
    const slotSplit = pids.map((pid) => runs.filter((r) => r.owner.split(':')[1] === String(pid)).length);
    console.log(`[${engine.name}] replicas: receipts per replica ${JSON.stringify(receiptSplit)}, ` +
      `Purchase.Requested slot runs per replica ${JSON.stringify(slotSplit)} (${ticks.length} ticks, ${runs.length - ticks.length} catch-up), ` +
      `${purchaseDeliveries} supplier digests`);
    expect(receiptSplit.filter((n) => n > 0).length, `receipts per replica ${receiptSplit}`).toBeGreaterThanOrEqual(2);

    // ---- and nobody complained ------------------------------------------------
    for (const [i, r] of replicas.entries()) {
      expect(r.out.stderr, `replica ${i} stderr`).not.toMatch(/"level":(50|60)/);
      expect(r.out.stderr, `replica ${i} stderr`).not.toMatch(/deadlock|SQLITE_BUSY|database is locked/i);
      expect(r.out.stderr).toContain('"evt":"scheduler.stopped"');
    }
    rmSync(dir, { recursive: true, force: true });
  }, 45_000);
});
