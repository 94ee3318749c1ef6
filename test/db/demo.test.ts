import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { afterAll, beforeEach, expect, it, vi } from 'vitest';
import { runDemo, type DemoReport } from '../../src/cli/demo.js';
import { describeEngines, truncateAll } from '../support/engines.js';
import { parseEml } from '../support/eml.js';
import { shippedYaml } from '../support/config-file.js';

const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

/** The shipped schedules file with only the outbox moved to a temp dir (workers may not chdir). */
function tempSetup() {
  const dir = mkdtempSync(join(tmpdir(), 'digest-demo-'));
  dirs.push(dir);
  const outbox = join(dir, 'outbox');
  const shipped = shippedYaml();
  const yaml = shipped.replace(/dir: \.\/outbox/, `dir: ${JSON.stringify(outbox)}`);
  expect(yaml).not.toBe(shipped);
  const configPath = join(dir, 'schedules.yaml');
  writeFileSync(configPath, yaml);
  return { outbox, configPath };
}

/** Runs the demo with stdout (the console transport) captured instead of printed. */
async function demo(url: string, configPath: string) {
  const printed: string[] = [];
  const stdout: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout.push(String(chunk));
    return true;
  });
  let report: DemoReport;
  try {
    report = await runDemo({ databaseUrl: url, configPath, print: (l) => printed.push(l) });
  } finally {
    spy.mockRestore();
  }
  return { report, printed, stdout: stdout.join('') };
}

const supplierFiles = (outbox: string) => readdirSync(outbox).filter((f) => f.endsWith('.eml'))
  .filter((f) => parseEml(readFileSync(join(outbox, f), 'utf8')).headers.get('x-digest-event-type') === 'Purchase.Requested');

describeEngines('digest demo', (engine) => {
  beforeEach(() => truncateAll(engine.db));
  const count = async (sql: string, params: unknown[] = []) =>
    Number((await engine.db.all<{ n: number }>(sql, params))[0]!.n);

  it('prints 3 receipts, writes one digest per supplier listing its requests, and leaves nothing outstanding', async () => {
    const { outbox, configPath } = tempSetup();
    const { report, printed, stdout } = await demo(engine.url, configPath);

    expect(report.receipts).toBe(3);
    const receipts = stdout.split('\n').filter((l) => l.startsWith('Sending receipt to '));
    expect(receipts).toHaveLength(3);
    for (const l of receipts) expect(l).toMatch(/^Sending receipt to \S+@shop\.example for order #[1-9]\d*\.\.\.$/);

    const summary = Object.fromEntries(report.results.map((r) => [r.type, r.dryRun ? null : r.summary]));
    expect(summary['Purchase.Requested']).toMatchObject({ eventsClaimed: 50, deliveriesCreated: 5, deliveriesSent: 5, deliveriesFailed: 0 });
    expect(summary['Purchase.Responded']).toMatchObject({ eventsClaimed: 6, deliveriesFailed: 0 });

    expect(report.supplierDigests).toHaveLength(5);
    expect(supplierFiles(outbox).sort()).toEqual(report.supplierDigests.map((f) => basename(f)).sort());
    const listed: string[] = [];
    for (const file of report.supplierDigests) {
      const { headers, body } = parseEml(readFileSync(file, 'utf8'));
      const deliveryId = Number(/delivery-(\d+)\.eml$/.exec(file)![1]);
      const events = await engine.db.all<{ payload: string | Record<string, unknown> }>(
        'SELECT payload FROM digest_events WHERE delivery_id = ?', [deliveryId]);
      const payloads = events.map((e) => (typeof e.payload === 'string' ? JSON.parse(e.payload) : e.payload) as Record<string, string>);
      expect(payloads.length).toBeGreaterThan(0);
      expect(headers.get('to')).toBe(payloads[0]!.supplier_email);
      const ids = [...body.matchAll(/#(REQ-\d+-\d+)\b/g)].map((m) => m[1]!);
      // The text part lists each request once; the html part may repeat it.
      expect([...new Set(ids)].sort()).toEqual(payloads.map((p) => p.request_id).sort());
      listed.push(...new Set(ids));
      const line = printed.find((l) => l.startsWith(relative(process.cwd(), file)));
      expect(line).toBe(`${relative(process.cwd(), file)}  ->  ${payloads[0]!.supplier_id} (${payloads.length} requests)`);
    }
    expect(new Set(listed).size).toBe(50);

    expect(printed.join('\n')).toMatch(/TYPE\s+EVENTS\s+DELIVERIES\s+SENT\s+FAILED\nOrder\.Created\s+3\s+3\s+3\s+0/);
    expect(printed.at(-1)).toBe('Open the .eml files in ./outbox with any mail client; run `npx digest status` to see the queue.');
    expect(await count('SELECT COUNT(*) AS n FROM digest_events WHERE processed_at IS NULL')).toBe(0);
    expect(await count('SELECT COUNT(*) AS n FROM digest_events')).toBe(59);
  });

  it('a second run records new events and delivers only those', async () => {
    const { outbox, configPath } = tempSetup();
    const first = await demo(engine.url, configPath);
    const lastFirstEvent = await count('SELECT MAX(id) AS n FROM digest_events');
    const lastFirstDelivery = await count('SELECT MAX(id) AS n FROM digest_deliveries');

    const second = await demo(engine.url, configPath);
    expect(second.report.receipts).toBe(3);
    expect(second.report.supplierDigests).toHaveLength(5);
    for (const f of second.report.supplierDigests) expect(existsSync(f)).toBe(true);
    expect(second.report.supplierDigests.filter((f) => first.report.supplierDigests.includes(f))).toEqual([]);
    expect(supplierFiles(outbox)).toHaveLength(10);

    // New ids: no order or request id of the first run comes back.
    const orderIds = (s: string) => [...s.matchAll(/for order #(\d+)/g)].map((m) => m[1]);
    expect(orderIds(second.stdout)).toHaveLength(3);
    expect(orderIds(second.stdout).filter((id) => orderIds(first.stdout).includes(id))).toEqual([]);

    const secondRuns = second.report.results.flatMap((r) => (r.dryRun || r.summary.runId == null ? [] : [r.summary.runId]));
    expect(secondRuns).toHaveLength(3);
    const inSecond = `SELECT COUNT(*) AS n FROM digest_events e JOIN digest_deliveries d ON d.id = e.delivery_id
      WHERE d.run_id IN (${secondRuns.map(() => '?').join(', ')})`;
    expect(await count(`${inSecond} AND e.id <= ?`, [...secondRuns, lastFirstEvent])).toBe(0);
    expect(await count(inSecond, secondRuns)).toBe(59);
    // Every delivery of the first run was sent exactly once: none re-opened or re-attempted.
    expect(await count('SELECT COUNT(*) AS n FROM digest_deliveries WHERE id <= ? AND (status <> ? OR attempts <> 1)', [lastFirstDelivery, 'sent'])).toBe(0);
    expect(await count('SELECT COUNT(*) AS n FROM digest_events WHERE processed_at IS NULL')).toBe(0);
  });

  it('says plainly that it needs the shop example when the config does not load it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'digest-demo-'));
    dirs.push(dir);
    const configPath = join(dir, 'schedules.yaml');
    writeFileSync(configPath, shippedYaml().replace(/^  Purchase\.Responded:.*\n?/m, ''));
    await expect(runDemo({ databaseUrl: engine.url, configPath, print: () => undefined }))
      .rejects.toThrow("digest demo records the shop example's events, but Purchase.Responded is not configured here");
  });
});
