import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, expect, it } from 'vitest';
import { describeEngines, truncateAll } from '../support/engines.js';
import { testApp } from '../support/app.js';
import { shopPrelude } from '../support/config-file.js';
import { runCli, startCli } from '../support/cli.js';
import { waitFor } from '../support/wait.js';
import { writeSchedules, receiptsToConsole } from '../support/config-file.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'digest-cli-'));

describeEngines('digest CLI', (engine) => {
  beforeEach(() => truncateAll(engine.db));
  const env = () => ({ DATABASE_URL: engine.url });

  it('receipts recorded in one process are printed by `digest scheduler` in another within a second', async () => {
    const config = writeSchedules(receiptsToConsole);
    const proc = startCli(['scheduler', '--config', config], { ...env(), LOG_LEVEL: 'info' });
    try {
      await waitFor(() => proc.out.stderr.includes('"evt":"scheduler.started"'), 15_000);
      const { recorder } = await testApp(engine);
      const recordedAt = Date.now();
      await recorder.record('Order.Created', { email_address: 'ann@shop.example', order_id: 1001 });
      await recorder.record('Order.Created', { email_address: 'bob@shop.example', order_id: 1002 });
      await waitFor(() => proc.out.lines.length >= 2, 5_000);
      expect(proc.out.lines.map((l) => l.line).sort()).toEqual([
        'Sending receipt to ann@shop.example for order #1001...',
        'Sending receipt to bob@shop.example for order #1002...',
      ]);
      expect(Math.max(...proc.out.lines.map((l) => l.at)) - recordedAt).toBeLessThan(1_000);
      // No payload or address in info logs.
      expect(proc.out.stderr).not.toContain('ann@shop.example');
    } finally {
      proc.child.kill('SIGTERM');
    }
    expect(await proc.exited).toBe(0);
    const workers = await engine.db.all('SELECT id FROM digest_workers');
    expect(workers).toHaveLength(0);
  });

  it('each config problem stops the scheduler before it does anything, naming the key path', async () => {
    const dir = tmp();
    const cases: Array<[string, string, RegExp, Record<string, string>?]> = [
      ['invalid YAML', 'events:\n  Order.Created: [cadence: immediate\n', /YAML syntax error at \d+:\d+/],
      ['bad cron', 'transports: { o: { kind: console } }\nevents:\n  Purchase.Requested: { cadence: "0 */4 * *", transport: o }\n',
        /events\.Purchase\.Requested\.cadence: "0 \*\/4 \* \*" is not a valid cron expression/],
      ['unknown type', 'transports: { o: { kind: console } }\nevents:\n  Order.Shipped: { cadence: immediate, transport: o }\n',
        /events\.Order\.Shipped: no handler for event type "Order\.Shipped"/],
      ['missing template', 'transports: { o: { kind: console } }\nevents:\n  Order.Created: { cadence: immediate, transport: o }\n',
        /events\.Order\.Created: template "order-receipt" is missing/, { DIGEST_TEMPLATES: dir }],
    ];
    for (const [name, yaml, message, extra] of cases) {
      const file = join(dir, `${name.replace(/ /g, '-')}.yaml`);
      writeFileSync(file, shopPrelude + yaml);
      const r = await runCli(['scheduler', '--config', file], { ...env(), ...extra });
      expect(r.code, name).not.toBe(0);
      expect(r.stderr, name).toMatch(message);
      expect(r.stderr, name).toMatch(/^digest: invalid configuration:/);
    }
    expect(await engine.db.all('SELECT id FROM digest_workers')).toHaveLength(0);
    expect(await engine.db.all('SELECT id FROM digest_runs')).toHaveLength(0);
  });

  it('record, run now --dry-run (claims nothing), run now, status --json', async () => {
    const payload = JSON.stringify({ request_id: 'R1', supplier_id: 'S9', supplier_email: 's9@supplier.example', customer_email: 'c@shop.example', item: 'gears', quantity: 3 });
    const rec = await runCli(['record', 'Purchase.Requested', '-'], env(), payload);
    expect(rec).toMatchObject({ code: 0 });
    expect(rec.stdout.trim()).toMatch(/^\d+$/);
    const bad = await runCli(['record', 'Purchase.Requested', '{"supplier_id":"S9"}'], env());
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^digest: Purchase\.Requested event is invalid: .*payload\.request_id/);

    const dry = await runCli(['run', 'now', 'Purchase.Requested', '--dry-run'], env());
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('#R1');
    expect(dry.stdout).toContain('dry run, nothing claimed');
    expect(await engine.db.all('SELECT id FROM digest_deliveries')).toHaveLength(0);

    const outbox = tmp();
    const config = writeSchedules(`transports:\n  outbox: { kind: file, dir: ${JSON.stringify(outbox)} }\nevents:\n  Purchase.Requested: { cadence: "0 */4 * * *", transport: outbox }\n`);
    const run = await runCli(['run', 'now', 'Purchase.Requested', '--config', config, '--json'], env());
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)[0].summary).toMatchObject({ deliveriesSent: 1, eventsClaimed: 1 });

    const status = await runCli(['status', '--json'], env());
    expect(status.code).toBe(0);
    const purchase = JSON.parse(status.stdout).types.find((t: { type: string }) => t.type === 'Purchase.Requested');
    expect(purchase).toMatchObject({ outstanding: 0, deliveries: { sent: 1 } });
    expect(purchase.lastRun).toMatchObject({ trigger: 'manual', status: 'succeeded' });
  });

  it('record --available-at needs Z or an offset, as HTTP does; retry --dead --type with an unknown type fails naming the known ones', async () => {
    const payload = JSON.stringify({ email_address: 'ann@shop.example', order_id: 1 });
    const local = await runCli(['record', 'Order.Created', payload, '--available-at', '2026-11-30T00:00:00'], env());
    expect(local.code).not.toBe(0);
    expect(local.stderr).toMatch(/--available-at.*Z or an offset.*2026-11-30T00:00:00/);
    expect(await engine.db.all('SELECT id FROM digest_events')).toHaveLength(0);
    expect((await runCli(['record', 'Order.Created', payload, '--available-at', '2026-11-30T00:00:00+01:00'], env())).code).toBe(0);

    const retry = await runCli(['retry', '--dead', '--type', 'Nope'], env());
    expect(retry.code).not.toBe(0);
    expect(retry.stderr).toMatch(/unknown event type "Nope" \(known: .*Order\.Created/);
    expect((await runCli(['retry', '--dead', '--type', 'Order.Created'], env())).code).toBe(0);
  });

  it('explains an unknown command in one line, exiting non-zero; subcommands have --help', async () => {
    const r = await runCli(['frobnicate'], env());
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/unknown command 'frobnicate'/);
    const help = await runCli(['run', 'now', '--help'], env());
    expect(help.stdout).toMatch(/--dry-run/);
  });
});
