import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, expect, it } from 'vitest';
import { z } from 'zod';
import type { DigestConfig } from '../../src/config/types.js';
import { defineHandler } from '../../src/handlers/define.js';
import { recoverDeliveries } from '../../src/runner/recover.js';
import { runNow } from '../../src/runner/run-now.js';
import { runType } from '../../src/runner/run.js';
import { requeueDeliveries } from '../../src/store/delivery-marks.js';
import { testApp } from '../support/app.js';
import { describeEngines, truncateAll } from '../support/engines.js';
import { seedEvent, updateEvent } from '../support/factory.js';

interface Row { id: number; status: string; attempts: number; error: string | null }
const deliveries = (db: { all: Function }) =>
  db.all('SELECT id, status, attempts, error FROM digest_deliveries ORDER BY id') as Promise<Row[]>;
const eventsOf = async (db: { all: Function }, deliveryId: number) =>
  ((await db.all('SELECT id FROM digest_events WHERE delivery_id = ? ORDER BY id', [deliveryId])) as Array<{ id: number }>).map((e) => Number(e.id));

const request = (n: number, extra: Record<string, unknown> = {}) => ({
  request_id: `REQ-${n}`, supplier_id: 'SUP-1', supplier_email: 'sup1@shop.example', customer_email: `c${n}@shop.example`,
  item: `item ${n}`, quantity: n, ...extra,
});

describeEngines('poison events', (engine) => {
  beforeEach(() => truncateAll(engine.db));

  it('an invalid event is split into a dead delivery of its own; the valid events of its group are sent; retry re-renders only the poison', async () => {
    const { ctx, recorder, transport } = await testApp(engine);
    const good = [];
    for (const n of [1, 2]) good.push(await recorder.record('Purchase.Requested', request(n)));
    // A SQL producer's row the handler cannot use, between the good ones.
    const bad = await seedEvent(engine.db, { type: 'Purchase.Requested', recipient: 'SUP-1', payload: request(3, { quantity: 'lots' }) });
    good.push(await recorder.record('Purchase.Requested', request(4)));

    const s = await runType(ctx, { type: 'Purchase.Requested', trigger: 'manual' });
    expect(s).toMatchObject({ eventsClaimed: 4, deliveriesCreated: 1, deliveriesSent: 1 });
    expect(transport.sent).toHaveLength(1);
    expect(transport.sent[0]!.text).toContain('REQ-1');
    expect(transport.sent[0]!.text).toContain('REQ-4');
    expect(transport.sent[0]!.text).not.toContain('REQ-3');
    const [sent, dead] = await deliveries(engine.db);
    expect(sent).toMatchObject({ status: 'sent' });
    expect(dead).toMatchObject({ status: 'dead', attempts: 1 });
    expect(dead!.error).toContain(`event ${bad}:`);
    expect(dead!.error).toContain('payload.quantity');
    expect(await eventsOf(engine.db, sent!.id)).toEqual(good);
    expect(await eventsOf(engine.db, dead!.id)).toEqual([bad]);
    const stamped = await engine.db.all<{ id: number; p: unknown }>('SELECT id, processed_at AS p FROM digest_events ORDER BY id');
    expect(stamped.filter((e) => e.p != null).map((e) => Number(e.id))).toEqual(good);

    // Dead at once, not retried on its own; `retry` re-renders only the poison (and fails again, alone).
    expect(await recoverDeliveries(ctx)).toEqual([]);
    await requeueDeliveries(engine.db, { id: dead!.id });
    expect(await recoverDeliveries(ctx)).toEqual(['dead']);
    expect(transport.sent).toHaveLength(1);
    expect((await deliveries(engine.db)).map((d) => d.status)).toEqual(['sent', 'dead']);

    // Once the row is fixed, its retry sends it, and only it.
    await updateEvent(engine.db, bad, { payload: request(3) });
    await requeueDeliveries(engine.db, { id: dead!.id });
    expect(await recoverDeliveries(ctx)).toEqual(['sent']);
    expect(transport.sent).toHaveLength(2);
    expect(transport.sent[1]!.text).toContain('REQ-3');
    expect(transport.sent[1]!.text).not.toContain('REQ-1');
  });

  it('a deterministic failure is dead at once (no retries), naming the event; a transport error still retries', async () => {
    const { ctx, recorder, transport } = await testApp(engine);
    expect(ctx.config.events['Order.Created']!.maxAttempts).toBeGreaterThan(1);
    const bad = await seedEvent(engine.db, { payload: { email_address: 'ann@shop.example', order_id: 'seven' } });
    await recorder.record('Order.Created', { email_address: 'bob@shop.example', order_id: 8 });
    transport.failFor.add('bob@shop.example');
    await runType(ctx, { type: 'Order.Created', trigger: 'immediate' });
    const [poison, bob] = await deliveries(engine.db);
    expect(poison).toMatchObject({ status: 'dead', attempts: 1 });
    expect(poison!.error).toMatch(new RegExp(`^render: event ${bad}: .*payload\\.order_id`));
    expect(bob).toMatchObject({ status: 'failed', attempts: 1 });
  });

  it('a template error splits out the events that fail alone; events that only fail together go dead together, named', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'digest-tpl-'));
    // Strict mode: {{nickname}} throws for an event without one; more than two events together throw in render.
    writeFileSync(join(dir, 'greeting.text.hbs'), '{{#each names}}Hello {{nickname}} {{/each}}');
    const greeting = defineHandler({
      type: 'Test.Greeting',
      payload: z.object({ to: z.string(), nickname: z.string().optional() }),
      recipient: (p) => p.to,
      template: 'greeting',
      render: (g) => {
        if (g.events.length > 2) throw new Error('too many greetings');
        return { data: { names: g.events.map((e) => ({ ...e.payload })) } };
      },
    });
    const config: DigestConfig = {
      timezone: 'UTC',
      transports: { mem: { name: 'mem', kind: 'console' } },
      events: { 'Test.Greeting': { type: 'Test.Greeting', cadence: { kind: 'immediate', text: 'immediate' }, transport: 'mem', timezone: 'UTC', maxAttempts: 5, batchSize: 100 } },
    };
    const { ctx, recorder, transport } = await testApp(engine, { config, handlers: [greeting], templatesDir: dir });
    const a1 = await recorder.record('Test.Greeting', { to: 'a', nickname: 'Ann' });
    const a2 = await recorder.record('Test.Greeting', { to: 'a' });
    const a3 = await recorder.record('Test.Greeting', { to: 'a', nickname: 'Al' });
    for (const nickname of ['B1', 'B2', 'B3']) await recorder.record('Test.Greeting', { to: 'b', nickname });
    await runType(ctx, { type: 'Test.Greeting', trigger: 'manual' });

    expect(transport.sent.map((m) => m.text)).toEqual(['Hello Ann Hello Al']);
    const rows = await deliveries(engine.db);
    const a = rows.find((r) => r.status === 'sent')!;
    expect(await eventsOf(engine.db, a.id)).toEqual([a1, a3]);
    const splitA = rows.find((r) => r.status === 'dead' && r.error!.includes('nickname'))!;
    expect(splitA.error).toContain(`event ${a2}:`);
    expect(await eventsOf(engine.db, splitA.id)).toEqual([a2]);
    // b: each renders alone, not together: no single event is at fault, the delivery dies whole, at once.
    const b = rows.find((r) => r.error?.includes('too many'))!;
    expect(b).toMatchObject({ status: 'dead', attempts: 1 });
    expect(b.error).toMatch(/events \d+, \d+, \d+ together: too many greetings/);
    expect(rows).toHaveLength(3);
  });

  it('a dry run renders through the same path as a real run: the message of the good events, the ones a real run would split off named, nothing claimed', async () => {
    const { ctx, recorder, transport } = await testApp(engine);
    const good = [await recorder.record('Purchase.Requested', request(1))];
    // A SQL producer's row the handler cannot use (the direct-INSERT contract, hence raw SQL).
    const { insertId: bad } = await engine.db.run('INSERT INTO digest_events (type, recipient, payload) VALUES (?, ?, ?)',
      ['Purchase.Requested', 'SUP-1', JSON.stringify(request(2, { quantity: 'lots' }))]);
    good.push(await recorder.record('Purchase.Requested', request(3)));
    // A recipient whose only event cannot render: no message, only the reason.
    const { insertId: alone } = await engine.db.run('INSERT INTO digest_events (type, recipient, payload) VALUES (?, ?, ?)',
      ['Purchase.Requested', 'SUP-2', '[1, 2]']);

    const [result] = await runNow(ctx, { type: 'Purchase.Requested', dryRun: true });
    if (!result?.dryRun) throw new Error('expected a dry run');
    const [sup1, sup2] = result.messages;
    expect(sup1).toMatchObject({ recipient: 'SUP-1', events: good, to: 'sup1@shop.example' });
    expect(sup1!.text).toContain('REQ-1');
    expect(sup1!.text).toContain('REQ-3');
    expect(sup1!.text).not.toContain('REQ-2');
    expect(sup1!.error).toMatch(new RegExp(`^left out \\(dead on a real run\\): event ${bad}: .*payload\\.quantity`));
    expect(sup2).toMatchObject({ recipient: 'SUP-2', events: [alone] });
    expect(sup2!.text).toBeUndefined();
    expect(sup2!.error).toMatch(new RegExp(`^event ${alone}: `));

    expect(transport.sent).toHaveLength(0);
    const [{ n }] = await engine.db.all<{ n: number }>('SELECT COUNT(*) AS n FROM digest_events WHERE delivery_id IS NULL');
    expect(Number(n)).toBe(4);
  });
});
