/**
 * Cancelling an outstanding event (issue 16), on both engines: before its
 * claim it is never delivered and stays stored as `cancelled` (linked to a
 * delivery born so, stamped), the rest of its recipient's digest goes; once a
 * run has claimed it, or its delivery has ended, the cancel fails naming its
 * state; by idempotency key; unknown → not found; again → the same answer
 * (`already`). A claim and a cancel at the same moment: each event ends
 * either cancelled or delivered, never both. In the caller's transaction:
 * cancelled if and only if it commits.
 */
import Database from 'better-sqlite3';
import { drizzle as drizzleSqlite } from 'drizzle-orm/better-sqlite3';
import { beforeEach, expect, it } from 'vitest';
import { handlers as shopHandlers } from '../../examples/shop/handlers.js';
import { createDigest } from '../../src/digest.js';
import { EventNotCancellableError, EventNotFoundError, ValidationError } from '../../src/errors.js';
import { cancelEvent } from '../../src/runner/cancel.js';
import { claimPage } from '../../src/runner/claim.js';
import { eventState } from '../../src/runner/event-state.js';
import { pruneOld } from '../../src/runner/prune.js';
import { recoverDeliveries } from '../../src/runner/recover.js';
import { replayDelivery } from '../../src/runner/replay.js';
import { runType } from '../../src/runner/run.js';
import type { Db } from '../../src/store/db.js';
import { requeueDeliveries } from '../../src/store/delivery-marks.js';
import { selectEventWithDelivery } from '../../src/store/read-pages.js';
import { testApp } from '../support/app.js';
import { describeEngines, truncateAll } from '../support/engines.js';
import { waitFor } from '../support/wait.js';

const request = (supplier: string, requestId: number) => ({
  request_id: requestId, supplier_id: supplier, supplier_email: `${supplier}@suppliers.example`,
  customer_email: 'buyer@shop.example', item: `item ${requestId}`, quantity: 1,
});

const stateOf = async (db: Db, id: number) => {
  const e = await selectEventWithDelivery(db, id);
  return e && eventState(e);
};

const rejection = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a rejection'); }, (err: unknown) => err);

describeEngines('cancel()', (engine) => {
  beforeEach(() => truncateAll(engine.db));

  it('before its claim: never delivered, stored as cancelled; the rest of the digest goes, and nothing is ever sent for it', async () => {
    const { app, ctx, recorder, transport } = await testApp(engine);
    try {
      const [a, b, c] = [
        await recorder.record('Purchase.Requested', request('s1', 101)),
        await recorder.record('Purchase.Requested', request('s1', 102)),
        await recorder.record('Purchase.Requested', request('s1', 103)),
      ];
      const alone = await recorder.record('Purchase.Requested', request('s2', 201));
      expect(await cancelEvent(engine.db, b!)).toMatchObject({ eventId: b, type: 'Purchase.Requested', state: 'cancelled', already: false });
      expect(await cancelEvent(engine.db, { id: alone })).toMatchObject({ eventId: alone, state: 'cancelled', already: false });
      expect(await stateOf(engine.db, b!)).toBe('cancelled');

      const summary = await runType(ctx, { type: 'Purchase.Requested', trigger: 'manual' });
      expect(summary).toMatchObject({ eventsClaimed: 2, deliveriesCreated: 1, deliveriesSent: 1 });
      expect(transport.sent.map((m) => m.recipient)).toEqual(['s1']);
      const text = transport.sent[0]!.text ?? '';
      expect(text).toContain('item 101');
      expect(text).toContain('item 103');
      expect(text).not.toContain('item 102');

      // Kept for the audit: linked to a delivery born cancelled, stamped, no attempt, no lease.
      const rows = await engine.db.all<{ id: number; status: string; attempts: number; lease_token: string | null; run_id: number; recipient: string }>(
        `SELECT d.id, d.status, d.attempts, d.lease_token, d.run_id, d.recipient FROM digest_deliveries d
           JOIN digest_events e ON e.delivery_id = d.id WHERE e.id IN (?, ?) ORDER BY e.id`, [b, alone]);
      expect(rows.map((r) => [r.status, Number(r.attempts), r.lease_token, Number(r.run_id), r.recipient]))
        .toEqual([['cancelled', 0, null, 0, 's1'], ['cancelled', 0, null, 0, 's2']]);
      expect(await stateOf(engine.db, a!)).toBe('sent');
      expect(await stateOf(engine.db, c!)).toBe('sent');
      expect((await selectEventWithDelivery(engine.db, b!))!.processedAt).not.toBeNull();

      // Never taken again: no run claims it, no recovery picks its delivery up, however late.
      expect(await runType(ctx, { type: 'Purchase.Requested', trigger: 'manual' })).toMatchObject({ eventsClaimed: 0 });
      ctx.databaseNow = () => new Date(Date.now() + 7 * 86_400_000);
      expect(await recoverDeliveries(ctx)).toEqual([]);
      // Neither retried nor replayed by hand.
      const cancelledId = Number(rows[0]!.id);
      expect(await requeueDeliveries(engine.db, { id: cancelledId })).toBe(0);
      await expect(replayDelivery(ctx, cancelledId)).rejects.toThrow(`delivery ${cancelledId} is cancelled (its event was cancelled before its digest): nothing to replay`);
      expect(transport.sent).toHaveLength(1);
    } finally {
      await app.close();
    }
  });

  it('once claimed, or sent, or failed: refused naming the state; unknown ids and keys are not found; a second cancel answers the same', async () => {
    const { app, ctx, recorder, transport } = await testApp(engine);
    try {
      const keyed = await recorder.record('Purchase.Requested', request('s1', 1), { idempotencyKey: 'req-1' });
      const first = await cancelEvent(engine.db, { type: 'Purchase.Requested', idempotencyKey: 'req-1' });
      expect(first).toMatchObject({ eventId: keyed, state: 'cancelled', already: false });
      // Again, by key or by id: the same delivery, `already`, nothing changed.
      expect(await cancelEvent(engine.db, { type: 'Purchase.Requested', idempotencyKey: 'req-1' })).toEqual({ ...first, already: true });
      expect(await cancelEvent(engine.db, keyed)).toEqual({ ...first, already: true });
      expect(await engine.db.all("SELECT id FROM digest_deliveries WHERE status = 'cancelled'")).toHaveLength(1);

      const missing = await rejection(cancelEvent(engine.db, { type: 'Purchase.Requested', idempotencyKey: 'req-404' }));
      expect(missing).toBeInstanceOf(EventNotFoundError);
      expect((missing as Error).message).toBe('no event of type "Purchase.Requested" with idempotency key "req-404"');
      // The key is per type.
      expect(await rejection(cancelEvent(engine.db, { type: 'Purchase.Responded', idempotencyKey: 'req-1' }))).toBeInstanceOf(EventNotFoundError);
      expect(await rejection(cancelEvent(engine.db, 987_654))).toBeInstanceOf(EventNotFoundError);
      const bad = await rejection(cancelEvent(engine.db, { type: '', idempotencyKey: 'x' }));
      expect(bad).toBeInstanceOf(ValidationError);
      expect((bad as ValidationError).issues).toEqual([{ path: 'type', message: 'must be a non-empty string' }]);
      expect(((await rejection(cancelEvent(engine.db, 0))) as ValidationError).issues).toEqual([{ path: 'id', message: 'must be a positive integer' }]);

      // Claimed: its delivery exists (pending or sending), the send has not happened yet.
      const claimed = await recorder.record('Purchase.Requested', request('s2', 2));
      const page = await claimPage(ctx, { type: 'Purchase.Requested', runId: null, trigger: 'manual', after: null });
      expect(page.deliveries).toHaveLength(1);
      const err = await rejection(cancelEvent(engine.db, claimed));
      expect(err).toBeInstanceOf(EventNotCancellableError);
      expect(err).toMatchObject({ code: 'NOT_CANCELLABLE', eventId: claimed, state: 'claimed', deliveryId: page.deliveries[0]!.id });
      expect((err as Error).message).toBe(`event ${claimed} is claimed (delivery ${page.deliveries[0]!.id}): only an outstanding event can be cancelled`);

      // Sent.
      const sent = await recorder.record('Order.Created', { email_address: 'ann@shop.example', order_id: 5 });
      await runType(ctx, { type: 'Order.Created', trigger: 'manual' });
      expect(await rejection(cancelEvent(engine.db, sent))).toMatchObject({ state: 'sent' });

      // Failed (will retry): not outstanding either.
      transport.failFor.add('bob@shop.example');
      const failed = await recorder.record('Order.Created', { email_address: 'bob@shop.example', order_id: 6 });
      await runType(ctx, { type: 'Order.Created', trigger: 'manual' });
      expect(await rejection(cancelEvent(engine.db, failed))).toMatchObject({ state: 'failed' });
    } finally {
      await app.close();
    }
  });

  it('an event held for its recipient\'s send window is outstanding: cancelled, it leaves the hold', async () => {
    const { app, recorder } = await testApp(engine);
    try {
      const id = await recorder.record('Purchase.Requested', request('s1', 1));
      await engine.db.run('UPDATE digest_events SET held_until = ? WHERE id = ?', ['2099-01-01 09:00:00.000', id]);
      expect(await cancelEvent(engine.db, id)).toMatchObject({ state: 'cancelled' });
      expect(await engine.db.all('SELECT id FROM digest_events WHERE held_until IS NOT NULL')).toEqual([]);
    } finally {
      await app.close();
    }
  });

  it('in the caller\'s transaction: cancelled if and only if it commits', async () => {
    const { app, recorder } = await testApp(engine);
    try {
      const id = await recorder.record('Purchase.Requested', request('s1', 1));
      const rolledBack = await engine.callerTx();
      try {
        expect(await cancelEvent(engine.db, id, { tx: rolledBack.tx })).toMatchObject({ state: 'cancelled', already: false });
        await rolledBack.rollback();
      } finally {
        await rolledBack.close();
      }
      expect(await stateOf(engine.db, id)).toBe('outstanding');
      expect(await engine.db.all('SELECT id FROM digest_deliveries')).toEqual([]);

      const committed = await engine.callerTx();
      try {
        await cancelEvent(engine.db, id, { tx: committed.tx });
        await committed.commit();
      } finally {
        await committed.close();
      }
      expect(await stateOf(engine.db, id)).toBe('cancelled');
    } finally {
      await app.close();
    }
  });

  it('the library client: cancel() by id and key; in a synchronous better-sqlite3 transaction every statement lands inside it', async () => {
    const { app, recorder } = await testApp(engine);
    const digest = createDigest({ databaseUrl: engine.url, handlers: shopHandlers });
    try {
      const a = await recorder.record('Purchase.Requested', request('s1', 1), { idempotencyKey: 'lib-1' });
      expect(await digest.cancel({ type: 'Purchase.Requested', idempotencyKey: 'lib-1' })).toMatchObject({ eventId: a, state: 'cancelled', already: false });
      await expect(digest.cancel(a + 1000)).rejects.toBeInstanceOf(EventNotFoundError);
      if (engine.name === 'sqlite') {
        const b = await recorder.record('Purchase.Requested', request('s1', 2));
        const conn = new Database(engine.url.slice('sqlite:'.length), { timeout: 15_000 });
        const orm = drizzleSqlite(conn);
        try {
          expect(() => orm.transaction((tx) => {
            void digest.cancel(b, { tx });
            tx.rollback();
          })).toThrow();
          expect(await stateOf(engine.db, b)).toBe('outstanding');
          let pending: Promise<unknown> | undefined;
          orm.transaction((tx) => { pending = digest.cancel(b, { tx }); });
          expect(await pending).toMatchObject({ eventId: b, already: false });
          expect(await stateOf(engine.db, b)).toBe('cancelled');
        } finally {
          conn.close();
        }
      }
    } finally {
      await digest.close();
      await app.close();
    }
  });

  it('a run and cancels at the same moment: every event ends either cancelled or delivered, never both, never neither', async () => {
    const { app, ctx, recorder, transport } = await testApp(engine);
    try {
      const ids: number[] = [];
      for (let i = 1; i <= 60; i++) ids.push(await recorder.record('Order.Created', { email_address: `c${i}@shop.example`, order_id: i }));
      ctx.config.events['Order.Created']!.batchSize = 5;
      const outcomes = new Map<number, string>();
      const cancels = (async () => {
        // Last first, one at a time, while the run pages through from the first recipient.
        for (const id of [...ids].reverse()) {
          await cancelEvent(engine.db, id).then(
            () => outcomes.set(id, 'cancelled'),
            (err: unknown) => {
              if (!(err instanceof EventNotCancellableError)) throw err;
              outcomes.set(id, err.state);
            });
        }
      })();
      await Promise.all([runType(ctx, { type: 'Order.Created', trigger: 'manual' }), cancels]);
      await runType(ctx, { type: 'Order.Created', trigger: 'manual' });

      const delivered = new Set((await engine.db.all<{ id: number }>(
        "SELECT e.id FROM digest_events e JOIN digest_deliveries d ON d.id = e.delivery_id WHERE d.status = 'sent'")).map((r) => Number(r.id)));
      const sentDeliveries = new Set(transport.sent.map((m) => m.deliveryId));
      expect(sentDeliveries.size).toBe(transport.sent.length);
      for (const id of ids) {
        const outcome = outcomes.get(id);
        if (outcome === 'cancelled') {
          expect(await stateOf(engine.db, id)).toBe('cancelled');
          expect(delivered.has(id)).toBe(false);
        } else {
          expect(['claimed', 'sent']).toContain(outcome);
          expect(delivered.has(id)).toBe(true);
        }
      }
      expect(transport.sent).toHaveLength(delivered.size);
      expect(delivered.size + [...outcomes.values()].filter((o) => o === 'cancelled').length).toBe(ids.length);
    } finally {
      await app.close();
    }
  });

  it('cancelled deliveries and their events are pruned like sent ones, by the time they were cancelled', async () => {
    const { app, recorder } = await testApp(engine);
    try {
      const id = await recorder.record('Purchase.Requested', request('s1', 1));
      const at = new Date('2026-01-01T00:00:00Z');
      await cancelEvent(engine.db, id, { now: at });
      const retention = { eventsMs: 86_400_000, deliveriesMs: 86_400_000, runsMs: 86_400_000 };
      expect(await pruneOld(engine.db, retention, new Date(at.getTime() + 3_600_000), { dryRun: true })).toMatchObject({ events: 0, deliveries: 0 });
      const later = new Date(at.getTime() + 2 * 86_400_000);
      expect(await pruneOld(engine.db, retention, later, { dryRun: true })).toMatchObject({ events: 1, deliveries: 1 });
      expect(await pruneOld(engine.db, retention, later)).toMatchObject({ events: 1, deliveries: 1 });
      expect(await engine.db.all('SELECT id FROM digest_deliveries')).toEqual([]);
    } finally {
      await app.close();
    }
  });
});

describeEngines('cancel() against a claim holding the event (MySQL row locks)', (engine) => {
  beforeEach(() => truncateAll(engine.db));
  const lockWaits = async () => Number((await engine.db.all<{ n: number }>(
    "SELECT COUNT(*) AS n FROM information_schema.INNODB_TRX WHERE trx_state = 'LOCK WAIT'"))[0]!.n);

  it('a cancel in an open transaction keeps the event from a run (SKIP LOCKED); committed, the event is cancelled and never sent', async () => {
    const { app, ctx, recorder, transport } = await testApp(engine);
    try {
      const held = await recorder.record('Purchase.Requested', request('s1', 1));
      await recorder.record('Purchase.Requested', request('s2', 2));
      const caller = await engine.callerTx();
      try {
        await cancelEvent(engine.db, held, { tx: caller.tx });
        // The run does not wait for the cancel's lock and does not take the event.
        expect(await runType(ctx, { type: 'Purchase.Requested', trigger: 'manual' })).toMatchObject({ eventsClaimed: 1, deliveriesSent: 1 });
        await caller.commit();
      } finally {
        await caller.close();
      }
      expect(transport.sent.map((m) => m.recipient)).toEqual(['s2']);
      expect(await stateOf(engine.db, held)).toBe('cancelled');
      expect(await runType(ctx, { type: 'Purchase.Requested', trigger: 'manual' })).toMatchObject({ eventsClaimed: 0 });
    } finally {
      await app.close();
    }
  });

  it('a run that finds part of a recipient locked by a cancel waits for it, then sends the rest without the cancelled event', async () => {
    const { app, ctx, recorder, transport } = await testApp(engine);
    try {
      const cancelled = await recorder.record('Purchase.Requested', request('s1', 1));
      await recorder.record('Purchase.Requested', request('s1', 2));
      const caller = await engine.callerTx();
      try {
        await cancelEvent(engine.db, cancelled, { tx: caller.tx });
        // wholeRecipients: the recipient came back in part, so the run waits for the rest.
        const run = runType(ctx, { type: 'Purchase.Requested', trigger: 'manual' });
        await waitFor(async () => (await lockWaits()) > 0, 5_000, 150);
        await caller.commit();
        expect(await run).toMatchObject({ eventsClaimed: 1, deliveriesSent: 1 });
      } finally {
        await caller.close();
      }
      expect(transport.sent).toHaveLength(1);
      expect(transport.sent[0]!.text).toContain('#2: 1 x item 2');
      expect(transport.sent[0]!.text).not.toContain('#1:');
      expect(await stateOf(engine.db, cancelled)).toBe('cancelled');
    } finally {
      await app.close();
    }
  });

  it('a cancel waits for a claim that holds the event, then answers claimed', async () => {
    const { app, recorder } = await testApp(engine);
    try {
      const id = await recorder.record('Purchase.Requested', request('s1', 1));
      // What a claim does, held open: the event locked and linked, not yet committed.
      const claim = await engine.callerTx();
      try {
        const conn = claim.tx as { query(sql: string, params?: unknown[]): Promise<unknown> };
        await conn.query('SELECT id FROM digest_events WHERE id = ? FOR UPDATE', [id]);
        await conn.query('UPDATE digest_events SET delivery_id = 424242 WHERE id = ?', [id]);
        const cancelling = rejection(cancelEvent(engine.db, id));
        // InnoDB refreshes INNODB_TRX only when it was last read over 0.1 s ago: poll slower than that.
        await waitFor(async () => (await lockWaits()) > 0, 5_000, 150);
        await claim.commit();
        expect(await cancelling).toMatchObject({ state: 'claimed', deliveryId: 424242 });
      } finally {
        await claim.close();
      }
      expect(await engine.db.all("SELECT id FROM digest_deliveries WHERE status = 'cancelled'")).toEqual([]);
    } finally {
      await app.close();
    }
  });
}, ['mysql']);
