/**
 * A claim locks only its own type's rows: one type's claim, stalled with its
 * rows locked, must not make another type's claim for the same recipients
 * skip any of its own events (row locks are MySQL's; SQLite serialises
 * claims with BEGIN IMMEDIATE instead).
 */
import { beforeEach, expect, it } from 'vitest';
import { runType } from '../../src/runner/run.js';
import { lockEventsById, selectOutstandingEventIds } from '../../src/store/event-claims.js';
import { testApp } from '../support/app.js';
import { describeEngines, truncateAll } from '../support/engines.js';

const emails = ['ann@shop.example', 'bob@shop.example', 'cy@shop.example'];

describeEngines('a claim locks only its own type', (engine) => {
  beforeEach(() => truncateAll(engine.db));

  it("while one type's claim holds its rows, another type's claim for the same recipients takes all of its own", async () => {
    const { ctx, recorder } = await testApp(engine);
    for (const [i, e] of emails.entries()) {
      await recorder.record('Order.Created', { email_address: e, order_id: i + 1 });
      await recorder.record('Purchase.Responded', { request_id: i + 1, customer_email: e, supplier_name: 'Acme', status: 'accepted' });
      await recorder.record('Purchase.Responded', { request_id: i + 10, customer_email: e, supplier_name: 'Globex', status: 'shipped' });
    }
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => { locked = r; });
    // Order.Created's claim, stalled inside its transaction with its rows locked.
    const holder = engine.db.transaction(async (tx) => {
      const rows = await lockEventsById(tx, 'Order.Created', (await selectOutstandingEventIds(tx, 'Order.Created', emails)).map((k) => k.id));
      locked();
      await gate;
      return rows.length;
    });
    await isLocked;
    try {
      const s = await runType(ctx, { type: 'Purchase.Responded', trigger: 'manual' });
      expect(s).toMatchObject({ eventsClaimed: 6, deliveriesCreated: 3, deliveriesSent: 3 });
    } finally {
      release();
    }
    expect(await holder).toBe(3);
    // Once released, Order.Created's own events are all still there for it.
    expect(await runType(ctx, { type: 'Order.Created', trigger: 'immediate' })).toMatchObject({ eventsClaimed: 3, deliveriesSent: 3 });
  });
}, ['mysql']);
