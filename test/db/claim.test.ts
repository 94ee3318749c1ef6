import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, expect, it } from 'vitest';
import { z } from 'zod';
import type { DigestConfig } from '../../src/config/types.js';
import { defineHandler } from '../../src/handlers/define.js';
import { claimPage } from '../../src/runner/claim.js';
import { deliverAll } from '../../src/runner/deliver-all.js';
import { runType } from '../../src/runner/run.js';
import { sqlFor } from '../../src/store/db.js';
import { lockEventsByIdSql, selectOldestEventIdsSql, selectOutstandingEventIdsSql } from '../../src/store/event-claims.js';
import { MAX_EVENTS_PER_PAGE } from '../../src/runner/page-budget.js';
import { describeEngines, truncateAll } from '../support/engines.js';
import { testApp } from '../support/app.js';

const request = (i: number, supplier: number) => ({
  request_id: i + 1, supplier_id: supplier + 1, supplier_email: `s${supplier}@supplier.example`,
  customer_email: `c${i}@shop.example`, item: 'bolts', quantity: 1,
});

describeEngines('claim', (engine) => {
  beforeEach(() => truncateAll(engine.db));

  it('the claim queries are served by the claim index without a sort; the lock is taken by primary key', async () => {
    const { recorder } = await testApp(engine);
    const batch = (type: string, n: number) => Array.from({ length: n }, (_, i) => ({ type, payload: request(i, i % 50) }));
    await recorder.recordMany(batch('Purchase.Requested', 3000));
    // A third of the rows claimed and processed, in one raw bulk UPDATE (not 1,000 factory updates).
    await engine.db.run(`UPDATE digest_events SET delivery_id = 1, processed_at = ${sqlFor(engine.db).now} WHERE id % 3 = 0`);
    const recipients = ['1', '2', '3', '4'];
    // The trailing null is the statement's "now": the database clock.
    const params = ['Purchase.Requested', ...recipients, null];
    // The IN-list claim, and the per-recipient one for a recipient with a large backlog.
    const claims: Array<[string, unknown[]]> = [
      [selectOutstandingEventIdsSql(engine.db, recipients.length), params],
      [selectOldestEventIdsSql(engine.db), ['Purchase.Requested', '2', null, 1000]],
    ];
    const expectLockByPrimaryKey = async (count: number) => {
      const ids = Array.from({ length: count }, (_, i) => i + 1);
      const lock = lockEventsByIdSql(engine.db, ids.length).replace(/ FOR UPDATE SKIP LOCKED$/, '');
      if (engine.name === 'mysql') {
        const plan = await engine.db.all<{ key: string | null }>(`EXPLAIN ${lock}`, [...ids, 'Purchase.Requested']);
        expect(plan.map((r) => r.key)).toEqual(['PRIMARY']);
      } else {
        const plan = await engine.db.all<{ detail: string }>(`EXPLAIN QUERY PLAN ${lock}`, [...ids, 'Purchase.Requested']);
        expect(plan.map((x) => x.detail).join(' | ')).toMatch(/USING INTEGER PRIMARY KEY/);
      }
    };
    // An embedded SQLite database has no statistics (nobody runs ANALYZE):
    // for a page's worth of ids SQLite would then pick the claim index for
    // the lock and scan every outstanding event of the type.
    if (engine.name === 'sqlite') {
      await engine.db.run('DROP TABLE IF EXISTS sqlite_stat1');
      await expectLockByPrimaryKey(999);
    }
    if (engine.name === 'mysql') await engine.db.run('ANALYZE TABLE digest_events');
    else await engine.db.run('ANALYZE');
    for (const [claimSql, p] of claims) {
      if (engine.name === 'mysql') {
        const plan = await engine.db.all<{ key: string | null; Extra: string | null; type: string }>(`EXPLAIN ${claimSql}`, p);
        expect(plan).toHaveLength(1);
        expect(plan[0]!.key).toBe('digest_events_claim');
        expect(plan[0]!.Extra ?? '').not.toMatch(/filesort/i);
        expect(plan[0]!.type).not.toBe('ALL');
      } else {
        const plan = await engine.db.all<{ detail: string }>(`EXPLAIN QUERY PLAN ${claimSql}`, p);
        const details = plan.map((x) => x.detail).join(' | ');
        expect(details).toMatch(/USING (COVERING )?INDEX digest_events_claim/);
        expect(details).not.toMatch(/TEMP B-TREE|SCAN digest_events\b(?! USING)/);
      }
    }
    await expectLockByPrimaryKey(3);
  });

  it('a page holds at most MAX_EVENTS_PER_PAGE events however the backlog is shaped; the rest come in later pages', async () => {
    const { ctx, recorder } = await testApp(engine);
    // Suppliers with 1,500 events each count as one full delivery (1,000): `fit` of them fill a page.
    const fit = MAX_EVENTS_PER_PAGE / 1000;
    for (let s = 0; s < fit + 2; s++) {
      await recorder.recordMany(Array.from({ length: 1500 }, (_, i) => ({ type: 'Purchase.Requested', payload: request(s * 1500 + i, s) })));
    }
    const first = await claimPage(ctx, { type: 'Purchase.Requested', runId: null, trigger: 'manual', after: null });
    expect(first.events).toBe(MAX_EVENTS_PER_PAGE);
    expect(first.deliveries.map((d) => d.events.length)).toEqual(Array(fit).fill(1000));
    // A heavy recipient's oldest events were taken.
    const d0 = first.deliveries.find((d) => d.recipient === '1')!;
    const oldest = await engine.db.all<{ id: number }>("SELECT id FROM digest_events WHERE recipient = '1' ORDER BY id LIMIT 1000");
    expect(d0.events.map((e) => e.id)).toEqual(oldest.map((r) => Number(r.id)));
    const second = await claimPage(ctx, { type: 'Purchase.Requested', runId: first.runId, trigger: 'manual', after: first.last });
    // Recipients go in text order; the page cursor continues after the first page's last one.
    const names = Array.from({ length: fit + 2 }, (_, s) => String(s + 1)).sort();
    expect(second.deliveries.map((d) => d.recipient).sort()).toEqual(names.slice(fit));
    expect(second.events).toBe(2000);
  });

  it('a delivery is born `sending` with its rendered message, its Message-ID written once sent; one too large to store at claim is born `pending` and rendered before its send', async () => {
    const { ctx, recorder, transport } = await testApp(engine);
    const long = 'x'.repeat(1100);
    await recorder.recordMany([
      ...[0, 1].map((i) => ({ type: 'Purchase.Requested', payload: request(i, 0) })),
      // 1,000 requests of a 1,100-character item: a digest over 1 MiB.
      ...Array.from({ length: 1000 }, (_, i) => ({ type: 'Purchase.Requested', payload: { ...request(10 + i, 1), item: long } })),
    ]);
    const page = await claimPage(ctx, { type: 'Purchase.Requested', runId: null, trigger: 'manual', after: null });
    const rows = () => engine.db.all<{ id: number; recipient: string; status: string; text: string | null; messageId: string | null }>(
      'SELECT id, recipient, status, text, message_id AS messageId FROM digest_deliveries ORDER BY recipient');
    const [small, big] = await rows();
    expect(small).toMatchObject({ recipient: '1', status: 'sending', messageId: null });
    expect(small!.text).toContain('bolts');
    expect(big).toMatchObject({ recipient: '2', status: 'pending', text: null });
    expect(page.deliveries.map((d) => [d.recipient, d.message != null])).toEqual([['1', true], ['2', false]]);

    expect(await deliverAll(ctx, page.deliveries)).toEqual(['sent', 'sent']);
    const after = await rows();
    expect(after.map((r) => [r.status, r.messageId])).toEqual(after.map((r) => ['sent', `<delivery.${Number(r.id)}@${ctx.messageIdDomain}>`]));
    expect(after[1]!.text!.length).toBeGreaterThan(1024 * 1024);
    expect(transport.sent.find((m) => m.recipient === '2')!.text).toBe(after[1]!.text);
  });

  it('peeks outside a transaction before claiming, unless woken by a record in this process', async () => {
    const { ctx, recorder } = await testApp(engine);
    const outside: string[] = [];
    const db = ctx.db;
    // Reads of digest_events only: the suppression lookup runs beside the claim on MySQL, on the pool.
    ctx.db = { ...db, all: (sql, p) => { if (/FROM digest_events/.test(sql)) outside.push(sql); return db.all(sql, p); }, transaction: (fn) => db.transaction(fn) };
    await recorder.record('Purchase.Requested', request(0, 0));
    await claimPage(ctx, { type: 'Purchase.Requested', runId: null, trigger: 'immediate', after: null });
    expect(outside).toHaveLength(1);
    await recorder.record('Purchase.Requested', request(1, 1));
    const woken = await claimPage(ctx, { type: 'Purchase.Requested', runId: null, trigger: 'immediate', after: null, woken: true });
    expect(outside).toHaveLength(1);
    expect(woken.events).toBe(1);
  });

  it('two workers claiming concurrently never put one event in two deliveries', async () => {
    const a = (await testApp(engine)).ctx;
    const b = (await testApp(engine)).ctx;
    const { recorder } = await testApp(engine);
    await recorder.recordMany(Array.from({ length: 400 }, (_, i) => ({ type: 'Purchase.Requested', payload: request(i, i % 40) })));
    const cfg = a.config.events['Purchase.Requested']!;
    cfg.batchSize = 5;
    const drain = async (ctx: typeof a) => {
      let after: string | null = null;
      const claimed: number[] = [];
      for (;;) {
        const page = await claimPage(ctx, { type: 'Purchase.Requested', runId: null, trigger: 'manual', after });
        if (page.done) return claimed;
        after = page.last;
        for (const d of page.deliveries) claimed.push(...d.events.map((e) => e.id));
      }
    };
    const [ea, eb] = await Promise.all([drain(a), drain(b)]);
    const all = [...ea, ...eb];
    expect(all).toHaveLength(400);
    expect(new Set(all).size).toBe(400);
    const [{ n }] = await engine.db.all<{ n: number }>(
      'SELECT COUNT(*) AS n FROM (SELECT run_id, recipient FROM digest_deliveries GROUP BY run_id, recipient HAVING COUNT(*) > 1) x');
    expect(Number(n)).toBe(0);
  });

  it('a recipient with a huge backlog gets 1,000 events per delivery, oldest first, all sent by one run and its follow-ups', async () => {
    const { ctx, recorder, transport } = await testApp(engine);
    // 40,000 events for one supplier: more ids than SQLite binds in one statement.
    for (let chunk = 0; chunk < 40; chunk++) {
      await recorder.recordMany(Array.from({ length: 1000 }, (_, i) => ({ type: 'Purchase.Requested', payload: request(chunk * 1000 + i, 7) })));
    }
    const s = await runType(ctx, { type: 'Purchase.Requested', trigger: 'manual' });
    expect(s).toMatchObject({ eventsClaimed: 40_000, deliveriesSent: 40, deliveriesFailed: 0 });
    // The oldest went first: the first message lists requests 1 … 1,000.
    const listed = (i: number) => [...transport.sent[i]!.text!.matchAll(/#(\d+):/g)].map((m) => Number(m[1]));
    expect(listed(0)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    expect(transport.sent.every((_, i) => listed(i).length === 1000)).toBe(true);
    const [{ n }] = await engine.db.all<{ n: number }>('SELECT COUNT(*) AS n FROM digest_events WHERE processed_at IS NULL');
    expect(Number(n)).toBe(0);
    // One run per delivery's worth: the first as asked, the rest as follow-ups.
    const runs = await engine.db.all<{ trigger: string; n: number }>(
      'SELECT `trigger`, COUNT(*) AS n FROM digest_runs GROUP BY `trigger` ORDER BY `trigger`');
    expect(runs.map((r) => [r.trigger, Number(r.n)])).toEqual([['followup', 39], ['manual', 1]]);
  });

  it('a template that throws for one recipient fails only that delivery', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'digest-tpl-'));
    // strict mode: {{nickname}} throws where the payload has none.
    writeFileSync(join(dir, 'greeting.text.hbs'), 'Hello {{nickname}}');
    const greeting = defineHandler({
      type: 'Test.Greeting',
      payload: z.object({ to: z.string(), nickname: z.string().optional() }),
      recipient: (p) => p.to,
      template: 'greeting',
      render: (g) => ({ data: { ...g.events[0]!.payload } }),
    });
    const config: DigestConfig = {
      timezone: 'UTC',
      transports: { mem: { name: 'mem', kind: 'console' } },
      events: { 'Test.Greeting': { type: 'Test.Greeting', cadence: { kind: 'immediate', text: 'immediate' }, transport: 'mem', timezone: 'UTC', maxAttempts: 3, batchSize: 100 } },
    };
    const { ctx, recorder, transport } = await testApp(engine, { config, handlers: [greeting], templatesDir: dir });
    for (const [to, nickname] of [['a', 'Ann'], ['b', undefined], ['c', 'Cy']] as const) await recorder.record('Test.Greeting', { to, nickname });
    const s = await runType(ctx, { type: 'Test.Greeting', trigger: 'manual' });
    expect(s).toMatchObject({ deliveriesSent: 2, deliveriesFailed: 1 });
    expect(transport.sent.map((m) => m.text).sort()).toEqual(['Hello Ann', 'Hello Cy']);
    const [row] = await engine.db.all<{ status: string; error: string }>("SELECT status, error FROM digest_deliveries WHERE recipient = 'b'");
    // A template error is deterministic: dead at once, naming the event.
    expect(row!.status).toBe('dead');
    expect(row!.error).toMatch(/^render: event \d+: .*nickname/);
  });
});
