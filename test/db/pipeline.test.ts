import { expect, it, beforeEach } from 'vitest';
import { recoverDeliveries } from '../../src/runner/recover.js';
import { replayDelivery } from '../../src/runner/replay.js';
import { runType } from '../../src/runner/run.js';
import { selectDeliveriesOfRun } from '../../src/store/read-pages.js';
import { describeEngines, truncateAll } from '../support/engines.js';
import { updateDelivery, updateEvent } from '../support/factory.js';
import { shippedConfig, testApp } from '../support/app.js';
import { MemoryTransport } from '../support/memory-transport.js';
import { DatabaseClock } from '../support/database-clock.js';

const request = (i: number, supplier: number) => ({
  request_id: `R${i}`, supplier_id: `S${supplier}`, supplier_email: `s${supplier}@supplier.example`,
  customer_email: `c${i}@shop.example`, item: `item ${i}`, quantity: 1 + (i % 5),
});

describeEngines('the run: claim → render → deliver → stamp', (engine) => {
  beforeEach(() => truncateAll(engine.db));

  it('sends ONE digest per supplier listing exactly its requests, then nothing, then only new events', async () => {
    const { ctx, recorder, transport } = await testApp(engine);
    const bySupplier = new Map<string, string[]>();
    for (let i = 0; i < 120; i++) {
      const supplier = i % 7;
      await recorder.record('Purchase.Requested', request(i, supplier));
      bySupplier.set(`S${supplier}`, [...(bySupplier.get(`S${supplier}`) ?? []), `R${i}`]);
    }
    const first = await runType(ctx, { type: 'Purchase.Requested', trigger: 'manual' });
    expect(first).toMatchObject({ eventsClaimed: 120, deliveriesCreated: 7, deliveriesSent: 7, deliveriesFailed: 0 });
    expect(transport.sent).toHaveLength(7);
    for (const m of transport.sent) {
      const listed = [...m.text!.matchAll(/#(R\d+)\b/g)].map((x) => x[1]);
      expect(listed.sort()).toEqual([...bySupplier.get(m.recipient)!].sort());
      expect(m.to).toBe(`s${m.recipient.slice(1)}@supplier.example`);
    }
    const rows = await selectDeliveriesOfRun(engine.db, first.runId!);
    expect(rows.map((r) => r.status)).toEqual(Array(7).fill('sent'));
    const [{ n }] = await engine.db.all<{ n: number }>('SELECT COUNT(*) AS n FROM digest_events WHERE processed_at IS NULL');
    expect(Number(n)).toBe(0);

    const second = await runType(ctx, { type: 'Purchase.Requested', trigger: 'manual' });
    expect(second).toMatchObject({ runId: null, eventsClaimed: 0, deliveriesCreated: 0 });
    expect(transport.sent).toHaveLength(7);

    await recorder.record('Purchase.Requested', request(500, 3));
    const third = await runType(ctx, { type: 'Purchase.Requested', trigger: 'manual' });
    expect(third).toMatchObject({ eventsClaimed: 1, deliveriesSent: 1 });
    expect(transport.sent[7]!.recipient).toBe('S3');
    expect(transport.sent[7]!.text).toContain('#R500');
    expect(transport.sent[7]!.text).not.toContain('#R3 ');
  });

  it('runs one recipient only when asked, leaving the others outstanding', async () => {
    const { ctx, recorder, transport } = await testApp(engine);
    for (let i = 0; i < 6; i++) await recorder.record('Purchase.Requested', request(i, i % 3));
    const s = await runType(ctx, { type: 'Purchase.Requested', trigger: 'manual', recipient: 'S1' });
    expect(s).toMatchObject({ eventsClaimed: 2, deliveriesSent: 1 });
    expect(transport.sent.map((m) => m.recipient)).toEqual(['S1']);
    const [{ n }] = await engine.db.all<{ n: number }>('SELECT COUNT(*) AS n FROM digest_events WHERE delivery_id IS NULL');
    expect(Number(n)).toBe(4);
  });

  it('sends one receipt per order for per-event grouping, in the exact console format', async () => {
    const { ctx, recorder, transport } = await testApp(engine);
    await recorder.record('Order.Created', { email_address: 'ann@shop.example', order_id: 1 });
    await recorder.record('Order.Created', { email_address: 'ann@shop.example', order_id: 2 });
    const s = await runType(ctx, { type: 'Order.Created', trigger: 'immediate' });
    expect(s.deliveriesSent).toBe(2);
    expect(transport.sent.map((m) => m.text).sort()).toEqual([
      'Sending receipt to ann@shop.example for order #1...',
      'Sending receipt to ann@shop.example for order #2...',
    ]);
    expect(new Set(transport.sent.map((m) => m.messageId)).size).toBe(2);
  });

  it('does not claim a delayed event before its availableAt', async () => {
    const { ctx, recorder, transport } = await testApp(engine);
    await recorder.record('Order.Created', { email_address: 'a@x.example', order_id: 7 }, { availableAt: new Date(Date.now() + 3_600_000) });
    await recorder.record('Order.Created', { email_address: 'b@x.example', order_id: 8 });
    await runType(ctx, { type: 'Order.Created', trigger: 'immediate' });
    expect(transport.sent.map((m) => m.recipient)).toEqual(['b@x.example']);
  });

  it('a failing recipient fails only its own delivery; it is retried later with its events still linked', async () => {
    const { ctx, recorder, transport } = await testApp(engine);
    for (let i = 0; i < 9; i++) await recorder.record('Purchase.Requested', request(i, i % 3));
    transport.failFor.add('S1');
    const s = await runType(ctx, { type: 'Purchase.Requested', trigger: 'manual' });
    expect(s).toMatchObject({ deliveriesCreated: 3, deliveriesSent: 2, deliveriesFailed: 1 });
    const rows = await selectDeliveriesOfRun(engine.db, s.runId!);
    const failed = rows.find((r) => r.recipient === 'S1')!;
    expect(failed).toMatchObject({ status: 'failed', attempts: 1 });
    expect(failed.error).toContain('rejected S1');
    expect(failed.nextAttemptAt).toBeInstanceOf(Date);
    const [{ n }] = await engine.db.all<{ n: number }>(
      'SELECT COUNT(*) AS n FROM digest_events WHERE delivery_id = ? AND processed_at IS NULL', [failed.id]);
    expect(Number(n)).toBe(3);
  });

  it('fails the delivery of a directly inserted row whose payload breaks the schema, with the validation message', async () => {
    const { ctx, transport } = await testApp(engine);
    // Raw INSERTs on purpose: the direct-SQL producer contract is what is tested.
    await engine.db.run("INSERT INTO digest_events (type, recipient, payload) VALUES ('Order.Created', 'x@y.example', '{\"email_address\":\"x@y.example\",\"order_id\":-4}')");
    await engine.db.run("INSERT INTO digest_events (type, recipient, payload) VALUES ('Order.Created', 'z@y.example', '{\"email_address\":\"z@y.example\",\"order_id\":4}')");
    const s = await runType(ctx, { type: 'Order.Created', trigger: 'immediate' });
    expect(s).toMatchObject({ deliveriesSent: 1, deliveriesFailed: 1 });
    expect(transport.sent.map((m) => m.recipient)).toEqual(['z@y.example']);
    const [row] = await engine.db.all<{ error: string; status: string }>("SELECT error, status FROM digest_deliveries WHERE recipient = 'x@y.example'");
    expect(row!.status).toBe('dead');
    expect(row!.error).toMatch(/order_id/);
  });

  it('replay re-sends a sent delivery exactly as it was, changing nothing; its events are answerable from the tables', async () => {
    const { ctx, recorder, transport } = await testApp(engine);
    for (let i = 0; i < 3; i++) await recorder.record('Purchase.Requested', request(i, 4));
    const s = await runType(ctx, { type: 'Purchase.Requested', trigger: 'manual' });
    const [before] = await selectDeliveriesOfRun(engine.db, s.runId!);
    await replayDelivery(ctx, before!.id);
    expect(transport.sent).toHaveLength(2);
    expect(transport.sent[1]).toEqual(transport.sent[0]);
    const [after] = await selectDeliveriesOfRun(engine.db, s.runId!);
    expect(after).toEqual(before);
    const events = await engine.db.all<{ id: number }>('SELECT id FROM digest_events WHERE delivery_id = ? ORDER BY id', [before!.id]);
    expect(events).toHaveLength(3);
    await expect(replayDelivery(ctx, 999_999)).rejects.toThrow(/does not exist/);
  });

  it('retries and replays go through the transport the type is configured with now, and the row records it', async () => {
    const before = new MemoryTransport('outbox');
    const { ctx, recorder } = await testApp(engine, { transports: { outbox: before }, retryBaseMs: 1 });
    await recorder.record('Purchase.Requested', request(1, 4));
    await recorder.record('Purchase.Requested', request(2, 5));
    before.failFor.add(String(request(2, 5).supplier_id));
    const s = await runType(ctx, { type: 'Purchase.Requested', trigger: 'manual' });
    const [sent, failed] = await selectDeliveriesOfRun(engine.db, s.runId!);
    expect([sent!.status, failed!.status, sent!.transport]).toEqual(['sent', 'failed', 'outbox']);

    // Ops rename the transport (and point the type at the new name); the old name is gone.
    const config = shippedConfig();
    const { outbox, ...rest } = config.transports;
    config.transports = { ...rest, relay: { ...outbox!, name: 'relay' } };
    config.events['Purchase.Requested']!.transport = 'relay';
    const after = new MemoryTransport('relay');
    const dbClock = new DatabaseClock();
    const renamed = await testApp(engine, { config, transports: { relay: after }, databaseNow: dbClock.now });
    dbClock.advance(60_000); // the retry is due
    expect(await recoverDeliveries(renamed.ctx)).toContain('sent');
    await replayDelivery(renamed.ctx, sent!.id);
    expect(after.sent.map((m) => m.deliveryId)).toEqual([failed!.id, sent!.id]);
    expect(before.sent.map((m) => m.deliveryId)).toEqual([sent!.id]);
    const rows = await selectDeliveriesOfRun(engine.db, s.runId!);
    // The retry went out on relay and says so; the replay changed nothing.
    expect(rows.map((r) => [r.status, r.transport])).toEqual([['sent', 'outbox'], ['sent', 'relay']]);
    // A type taken out of the config has no transport to replay through: the error says why.
    delete config.events['Purchase.Requested'];
    await expect(replayDelivery(renamed.ctx, sent!.id)).rejects.toThrow(/type "Purchase\.Requested", which is no longer in the schedules config/);
  });

  it('a due retry of an event type no longer in the config is left as it is, not leased again and again', async () => {
    const dbClock = new DatabaseClock();
    const { ctx, recorder, transport } = await testApp(engine, { retryBaseMs: 1, databaseNow: dbClock.now });
    transport.failFor.add('S5');
    await recorder.record('Purchase.Requested', request(1, 5));
    await runType(ctx, { type: 'Purchase.Requested', trigger: 'manual' });
    dbClock.advance(60_000); // the retry is due
    const config = shippedConfig();
    delete config.events['Purchase.Requested'];
    const without = await testApp(engine, { config, databaseNow: dbClock.now });
    expect(await recoverDeliveries(without.ctx)).toEqual([]);
    const [row] = await engine.db.all<{ status: string; attempts: number }>('SELECT status, attempts FROM digest_deliveries');
    expect({ status: row!.status, attempts: Number(row!.attempts) }).toEqual({ status: 'failed', attempts: 1 });
    // The configured scheduler still retries it.
    transport.failFor.clear();
    expect(await recoverDeliveries(ctx)).toEqual(['sent']);
  });
  it('on abort, the page claimed ahead is handed back at once, and nothing after it is claimed', async () => {
    const config = shippedConfig();
    config.events['Purchase.Requested']!.batchSize = 1; // one supplier per page
    const { ctx, recorder, transport } = await testApp(engine, { config });
    for (let s = 0; s < 3; s++) await recorder.record('Purchase.Requested', request(s, s));
    const stop = new AbortController();
    const send = transport.send.bind(transport);
    transport.send = async (m) => {
      stop.abort(); // shutdown arrives while the first page is being sent
      await send(m);
    };
    const run = await runType(ctx, { type: 'Purchase.Requested', trigger: 'manual' }, stop.signal);
    expect(transport.sent.map((m) => m.recipient)).toEqual(['S0']);
    expect(run).toMatchObject({ deliveriesSent: 1 });
    const rows = await engine.db.all<{ recipient: string; status: string; held: number }>(
      `SELECT recipient, status, CASE WHEN lease_until > ${engine.db.dialect === 'mysql' ? 'UTC_TIMESTAMP(3)' : "strftime('%Y-%m-%d %H:%M:%f','now')"} THEN 1 ELSE 0 END AS held
         FROM digest_deliveries ORDER BY recipient`);
    // S1 was claimed ahead while S0 was sent; it is handed back (lease ended), S2 is untouched.
    expect(rows.map((r) => [r.recipient, r.status, Number(r.held)])).toEqual([['S0', 'sent', 0], ['S1', 'pending', 0]]);
    transport.send = send;
    expect(await recoverDeliveries(ctx)).toEqual(['sent']);
    expect(transport.sent.map((m) => m.recipient)).toEqual(['S0', 'S1']);
    // Handed back unsent: recovering it is not a new attempt.
    const [s1] = await engine.db.all<{ attempts: number }>("SELECT attempts FROM digest_deliveries WHERE recipient = 'S1'");
    expect(Number(s1!.attempts)).toBe(1);
  });

  it('recovery counts an attempt only for deliveries that reached the transport (failed, or sending when their worker died)', async () => {
    const { ctx, recorder } = await testApp(engine);
    for (let s = 0; s < 3; s++) await recorder.record('Purchase.Requested', request(s, s));
    const run = await runType(ctx, { type: 'Purchase.Requested', trigger: 'manual' });
    // S0 stayed pending (never sent), S1 was mid-send, S2 failed and is due: all three are reclaimable now.
    const past = new Date('2000-01-01T00:00:00Z');
    for (const d of await selectDeliveriesOfRun(engine.db, run.runId!)) {
      const status = d.recipient === 'S0' ? 'pending' : d.recipient === 'S1' ? 'sending' : 'failed';
      await updateDelivery(engine.db, d.id, { status, sentAt: null, leaseToken: 'gone', leaseUntil: past, nextAttemptAt: past });
    }
    for (const { id } of await engine.db.all<{ id: number }>('SELECT id FROM digest_events')) await updateEvent(engine.db, Number(id), { processedAt: null });
    expect(await recoverDeliveries(ctx)).toEqual(['sent', 'sent', 'sent']);
    const rows = await engine.db.all<{ recipient: string; attempts: number }>('SELECT recipient, attempts FROM digest_deliveries ORDER BY recipient');
    expect(rows.map((r) => [r.recipient, Number(r.attempts)])).toEqual([['S0', 1], ['S1', 2], ['S2', 2]]);
  });
  it('a run whose page took every outstanding recipient ends there; a full page goes on after its cursor', async () => {
    const config = shippedConfig();
    const { ctx, recorder, transport } = await testApp(engine, { config });
    for (let s = 0; s < 3; s++) await recorder.record('Purchase.Requested', request(s, s));
    const send = transport.send.bind(transport);
    let added = false;
    transport.send = async (m) => {
      // Arrives while the run sends, for a recipient after the page's last one.
      if (!added) await recorder.record('Purchase.Requested', request(99, 9));
      added = true;
      await send(m);
    };
    const run = await runType(ctx, { type: 'Purchase.Requested', trigger: 'manual' });
    expect(run).toMatchObject({ eventsClaimed: 3, deliveriesSent: 3 });
    expect((await runType(ctx, { type: 'Purchase.Requested', trigger: 'manual' })).deliveriesSent).toBe(1);
    // Sends of a page run concurrently: S0's send waits for the insert, so S1 may finish first.
    expect(transport.sent.slice(0, 3).map((m) => m.recipient).sort()).toEqual(['S0', 'S1', 'S2']);
    expect(transport.sent[3]!.recipient).toBe('S9');

    // batchSize 2: the first page is full, so the run goes on to the third supplier.
    config.events['Purchase.Requested']!.batchSize = 2;
    transport.send = send;
    for (let s = 0; s < 3; s++) await recorder.record('Purchase.Requested', request(10 + s, s));
    expect(await runType(ctx, { type: 'Purchase.Requested', trigger: 'manual' })).toMatchObject({ eventsClaimed: 3, deliveriesSent: 3 });
  });
});
