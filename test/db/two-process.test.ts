import { expect, it } from 'vitest';
import { describeEngines } from '../support/engines.js';
import { testApp } from '../support/app.js';
import { startCli } from '../support/cli.js';
import { waitFor } from '../support/wait.js';
import { receiptsToConsole, writeSchedules } from '../support/config-file.js';

describeEngines('two processes on one database', (engine) => {
  it('1,000 events recorded here while `digest scheduler` runs in another process are each delivered exactly once', async () => {
    const config = writeSchedules(receiptsToConsole);
    const scheduler = startCli(['scheduler', '--config', config], { DATABASE_URL: engine.url, LOG_LEVEL: 'info' });
    try {
      await waitFor(() => scheduler.out.stderr.includes('"evt":"scheduler.started"'), 15_000);
      const { recorder } = await testApp(engine);
      // One at a time, as an app would: each record() is its own write,
      // racing the scheduler's claim and stamp transactions.
      for (let i = 1; i <= 1000; i++) await recorder.record('Order.Created', { email_address: `u${i % 37}@shop.example`, order_id: i });
      await waitFor(() => scheduler.out.lines.length >= 1000, 60_000, 100);
      // Give a duplicate, if there were one, time to show up.
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      scheduler.child.kill('SIGTERM');
    }
    expect(await scheduler.exited).toBe(0);
    const lines = scheduler.out.lines.map((l) => l.line);
    expect(lines).toHaveLength(1000);
    const orders = lines.map((l) => Number(/order #(\d+)\.\.\.$/.exec(l)?.[1]));
    expect(new Set(orders).size).toBe(1000);
    expect(Math.min(...orders)).toBe(1);
    expect(Math.max(...orders)).toBe(1000);
    const [stats] = await engine.db.all<{ total: number; processed: number; deliveries: number }>(
      `SELECT COUNT(*) AS total, COUNT(processed_at) AS processed, COUNT(DISTINCT delivery_id) AS deliveries FROM digest_events`);
    expect({ total: Number(stats!.total), processed: Number(stats!.processed), deliveries: Number(stats!.deliveries) })
      .toEqual({ total: 1000, processed: 1000, deliveries: 1000 });
    const sent = await engine.db.all<{ n: number }>("SELECT COUNT(*) AS n FROM digest_deliveries WHERE status = 'sent'");
    expect(Number(sent[0]!.n)).toBe(1000);
    expect(scheduler.out.stderr).not.toMatch(/SQLITE_BUSY|database is locked|"level":50/);
  });
});
