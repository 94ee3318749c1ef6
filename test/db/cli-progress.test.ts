/**
 * Progress of long CLI work (issue 16), on both engines: the runner and
 * prune/requeue loops report after each page or batch (`onProgress`), and
 * the built CLI turns that into one line rewritten in place on a terminal
 * (through `script`, which gives it a pty) — and into nothing with --json.
 * The line writer itself: test/unit/progress.test.ts.
 */
import { beforeEach, expect, it } from 'vitest';
import { requeueDead } from '../../src/runner/requeue-dead.js';
import type { RunProgress } from '../../src/runner/run.js';
import { runNow } from '../../src/runner/run-now.js';
import type { Db } from '../../src/store/db.js';
import { runCli, runCliOnTty } from '../support/cli.js';
import { receiptsToConsole, writeSchedules } from '../support/config-file.js';
import { testApp } from '../support/app.js';
import { describeEngines, truncateAll } from '../support/engines.js';

/** `n` dead deliveries of Order.Created (and one of another type), 1,000 rows a statement. */
async function seedDead(db: Db, n: number, runId = 1) {
  for (let done = 0; done < n; done += 1000) {
    const rows = Array.from({ length: Math.min(1000, n - done) }, (_, i) => `(${runId}, 'Order.Created', 'r${done + i}', '#${done + i}', 'dead', 'console', 5)`);
    await db.run(`INSERT INTO digest_deliveries (run_id, event_type, recipient, group_key, status, transport, attempts) VALUES ${rows.join(', ')}`);
  }
  await db.run(`INSERT INTO digest_deliveries (run_id, event_type, recipient, group_key, status, transport, attempts) VALUES (${runId}, 'Other.Type', 'x', '#x', 'dead', 'console', 5)`);
}

const statusCounts = async (db: Db) =>
  Object.fromEntries((await db.all<{ status: string; n: number }>('SELECT status, COUNT(*) AS n FROM digest_deliveries GROUP BY status')).map((r) => [r.status, Number(r.n)]));

/** Processed events 400 days old, 1,000 a statement: what `prune` deletes. */
async function seedOldEvents(db: Db, n: number) {
  const old = new Date(Date.now() - 400 * 86_400_000).toISOString().replace('T', ' ').replace('Z', '');
  for (let done = 0; done < n; done += 1000) {
    await db.run(`INSERT INTO digest_events (type, recipient, payload, processed_at) VALUES ${Array(Math.min(1000, n - done)).fill(`('Order.Created', 'a@b.example', '{}', '${old}')`).join(', ')}`);
  }
}

describeEngines('progress of long CLI work', (engine) => {
  beforeEach(() => truncateAll(engine.db));

  it('run now reports after each page, over its follow-up runs', async () => {
    const { ctx, recorder } = await testApp(engine);
    // One supplier with more than a delivery takes (a follow-up run), and a few others.
    const request = (supplier: string, i: number) => ({
      request_id: `r-${supplier}-${i}`, supplier_id: supplier, supplier_email: `${supplier}@shop.example`, customer_email: 'c@shop.example', item: 'tea', quantity: 1,
    });
    const big = Array.from({ length: 1_003 }, (_, i) => request('big', i));
    for (let i = 0; i < big.length; i += 250) await Promise.all(big.slice(i, i + 250).map((r) => recorder.record('Purchase.Requested', r)));
    for (const who of ['a', 'b', 'c']) await recorder.record('Purchase.Requested', request(who, 1));
    const seen: RunProgress[] = [];
    const [result] = await runNow(ctx, { type: 'Purchase.Requested', onProgress: (type, p) => { expect(type).toBe('Purchase.Requested'); seen.push(p); } });
    expect(result!.dryRun === false && result!.summary.eventsClaimed).toBe(1_006);
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen.at(-1)).toMatchObject({ runs: 2, eventsClaimed: 1_006, deliveriesSent: 5, deliveriesFailed: 0 });
    // Counts only grow, and the follow-up run's numbers add to the first's.
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.eventsClaimed).toBeGreaterThanOrEqual(seen[i - 1]!.eventsClaimed);
    expect(seen.find((p) => p.runs === 2)!.eventsClaimed).toBeGreaterThan(1_000);
  });

  it('retry --dead re-queues in batches, reporting each; only the type asked for', async () => {
    await seedDead(engine.db, 2_500);
    const { ctx } = await testApp(engine);
    const seen: number[] = [];
    expect(await requeueDead(ctx, { type: 'Order.Created', batch: 1_000, onProgress: (n) => seen.push(n) })).toBe(2_500);
    expect(seen).toEqual([1_000, 2_000, 2_500]);
    expect(await statusCounts(engine.db)).toEqual({ failed: 2_500, dead: 1 });
    const attempts = await engine.db.all<{ n: number }>("SELECT COUNT(*) AS n FROM digest_deliveries WHERE status = 'failed' AND attempts = 0");
    expect(Number(attempts[0]!.n)).toBe(2_500);
    // Nothing dead of that type is left: a second pass re-queues nothing and reports nothing.
    expect(await requeueDead(ctx, { type: 'Order.Created', onProgress: (n) => seen.push(n) })).toBe(0);
    expect(seen).toHaveLength(3);
  });

  // util-linux `script` (Debian's essential bsdutils) gives the CLI a terminal; a machine without it fails here rather than skipping.
  it('on a terminal the CLI shows one line rewritten in place and ends it with a newline; --json shows none', async () => {
    const config = writeSchedules(`${receiptsToConsole}retention: { events: 30d }\n`);
    const env = { DATABASE_URL: engine.url };
    await seedOldEvents(engine.db, 2_500);
    const json = await runCliOnTty(['prune', '--config', config, '--json'], env);
    expect(json.code, json.output).toBe(0);
    expect(json.output).not.toMatch(/prune:|so far|\u001b\[K/);
    expect(JSON.parse(json.output)).toEqual({ dryRun: false, events: 2_500, deliveries: 0, runs: 0 });

    await seedOldEvents(engine.db, 2_500);
    const tty = await runCliOnTty(['prune', '--config', config], env);
    expect(tty.code, tty.output).toBe(0);
    // Each batch rewrites the line (\r … erase to its end), the last state ends with a newline (the pty writes \r\n).
    expect(tty.output).toMatch(/^\rprune: [\d,]+ events deleted so far…\u001b\[K/);
    expect(tty.output).toContain('\rprune: 2,500 events deleted so far…\u001b[K\r\n');
    expect(tty.output).toMatch(/processed events\s+2500/);

    // run now: the line after each page, then its last state; --json: none, and stdout is the JSON alone.
    const receipts = (from: number) => Array.from({ length: 3 }, (_, i) => `('Order.Created', 'ann@shop.example', '{"email_address":"ann@shop.example","order_id":${from + i}}')`).join(', ');
    await engine.db.run(`INSERT INTO digest_events (type, recipient, payload) VALUES ${receipts(1)}`);
    const runNowTty = await runCliOnTty(['run', 'now', 'Order.Created', '--config', config], env);
    expect(runNowTty.code, runNowTty.output).toBe(0);
    expect(runNowTty.output).toContain('\rrun now Order.Created: 3 events, 1 run, 3 sent, 0 failed…\u001b[K\r\n');
    await engine.db.run(`INSERT INTO digest_events (type, recipient, payload) VALUES ${receipts(4)}`);
    const runNowJson = await runCliOnTty(['run', 'now', 'Order.Created', '--config', config, '--json'], env);
    expect(runNowJson.code, runNowJson.output).toBe(0);
    expect(runNowJson.output).not.toMatch(/run now Order|\u001b\[K/);

    await seedDead(engine.db, 1_500);
    const retry = await runCliOnTty(['retry', '--dead', '--config', config], env);
    expect(retry.code, retry.output).toBe(0);
    expect(retry.output).toContain('\rretry --dead: 1,501 re-queued so far…\u001b[K\r\n');
    expect(retry.output).toContain('re-queued 1501 delivery(ies)');
    // Not on a terminal (a pipe, as scripts and CI read it): the output alone.
    await seedDead(engine.db, 10, 2);
    const piped = await runCli(['retry', '--dead', '--config', config], env);
    expect(piped.stderr).toBe('');
    expect(piped.stdout).toBe('re-queued 11 delivery(ies)\n');
  });
});
