import { beforeEach, expect, it } from 'vitest';
import type { DigestConfig } from '../../src/config/types.js';
import { claimPage } from '../../src/runner/claim.js';
import { deliverAll } from '../../src/runner/deliver-all.js';
import { startScheduler } from '../../src/scheduler/scheduler.js';
const RESUME_CHECK_MS = 30_000;
import type { Db } from '../../src/store/db.js';
import { finishRun, insertRun } from '../../src/store/runs.js';
import { selectRuns } from '../../src/store/read-pages.js';
import type { OutgoingMessage } from '../../src/transports/transport.js';
import { testApp, shippedConfig } from '../support/app.js';
import { describeEngines, truncateAll } from '../support/engines.js';
import { updateRun } from '../support/factory.js';
import { FakeClock } from '../support/fake-clock.js';
import { MemoryTransport } from '../support/memory-transport.js';
import { nextEvent } from '../support/events.js';
import { waitFor } from '../support/wait.js';

const TYPE = 'Purchase.Requested';
const request = (i: number, supplier: number) => ({
  request_id: i + 1, supplier_id: supplier, supplier_email: `s${supplier}@supplier.example`,
  customer_email: `c${i}@shop.example`, item: 'nuts', quantity: 2,
});

/** Purchase.Requested on its 4-hourly cron, two suppliers per claim page. */
function cronOnly(): DigestConfig {
  const c = shippedConfig();
  return { ...c, events: { [TYPE]: { ...c.events[TYPE]!, batchSize: 2 } } };
}

const done = { eventsClaimed: 0, deliveriesCreated: 0, deliveriesSent: 0, deliveriesFailed: 0 };
/** A slot that ran to the end. */
async function finishedSlot(db: Db, slotAt: string) {
  const id = (await insertRun(db, { eventType: TYPE, slotAt: new Date(slotAt), trigger: 'tick', owner: 'earlier' }))!;
  await finishRun(db, id, 'succeeded', done, null);
}

/** Sends like MemoryTransport, but the send numbered `holdAt` waits until released. */
class GatedTransport extends MemoryTransport {
  private release!: () => void;
  private readonly gate = new Promise<void>((r) => { this.release = r; });
  held = false;
  constructor(private readonly holdAt: number) { super(); }
  override async send(m: OutgoingMessage) {
    if (this.sent.length + 1 === this.holdAt) {
      this.held = true;
      await this.gate;
    }
    await super.send(m);
  }
  open() { this.release(); }
}

const recipients = (...ts: MemoryTransport[]) => ts.flatMap((t) => t.sent.map((m) => m.recipient)).sort();

describeEngines('unfinished slot runs are resumed', (engine) => {
  beforeEach(() => truncateAll(engine.db));

  it('a rolling deploy: the 08:00 run stopped by SIGTERM is finished by the new scheduler within a minute, each supplier once', async () => {
    const config = cronOnly();
    const clock = new FakeClock('2026-11-21T07:59:59Z');
    await finishedSlot(engine.db, '2026-11-21T04:00:00Z');
    const gated = new GatedTransport(2);
    const old = await testApp(engine, { config, transports: { outbox: gated } });
    Object.assign(old.ctx, { deliveryConcurrency: 1 }); // one send at a time: the second is the one in flight
    const next = await testApp(engine, { config });
    await old.recorder.recordMany(Array.from({ length: 12 }, (_, i) => ({ type: TYPE, payload: request(i, (i % 6) + 1) })));
    const a = await startScheduler(old.ctx, { clock, recoveryPollMs: 1_000 });
    clock.set('2026-11-21T08:00:00Z');
    await waitFor(() => gated.held);
    // The new replica comes up while the old one is mid-run: the slot is
    // taken by a live owner, so it does nothing yet.
    clock.set('2026-11-21T08:00:05Z');
    // Its start-up catch-up looks at the slot and skips it.
    const skipped = nextEvent(next.ctx.lifecycle, 'run.skipped');
    const b = await startScheduler(next.ctx, { clock, recoveryPollMs: 1_000 });
    try {
      await skipped;
      const stopping = a.stop();
      gated.open();
      await stopping;
      const [, slot8] = await selectRuns(engine.db, TYPE);
      expect(slot8).toMatchObject({ slotAt: new Date('2026-11-21T08:00:00Z'), status: 'stopped' });
      expect(recipients(gated)).toEqual(['1', '2']);
      // Within one check, not at 12:00 (or tomorrow for a daily digest).
      const resumed = nextEvent(next.ctx.lifecycle, 'run.finished', (r) => r.runId === slot8!.id && r.status === 'succeeded');
      clock.advance(RESUME_CHECK_MS);
      await resumed;
      const runs = await selectRuns(engine.db, TYPE);
      expect(runs).toHaveLength(2);
      expect(runs[1]).toMatchObject({ slotAt: new Date('2026-11-21T08:00:00Z'), owner: next.ctx.owner, eventsClaimed: 12 });
      expect(clock.now().getTime()).toBeLessThan(new Date('2026-11-21T08:01:00Z').getTime());
      expect(recipients(gated, next.transport)).toEqual(['1', '2', '3', '4', '5', '6']);
    } finally {
      await b.stop();
    }
  });

  it('a run whose owner died is taken over at start; recipients it delivered get no second digest for the slot; stale running rows are closed', async () => {
    const config = cronOnly();
    const clock = new FakeClock('2026-11-21T08:01:00Z');
    await finishedSlot(engine.db, '2026-11-21T00:00:00Z');
    // An older slot's run whose owner vanished long ago.
    const stale = (await insertRun(engine.db, { eventType: TYPE, slotAt: new Date('2026-11-21T04:00:00Z'), trigger: 'tick', owner: 'gone' }))!;
    await updateRun(engine.db, stale, { startedAt: new Date(Date.now() - 3_600_000) });
    const dead = await testApp(engine, { config });
    await dead.recorder.recordMany(Array.from({ length: 6 }, (_, i) => ({ type: TYPE, payload: request(i, i + 1) })));
    // The dead process (it never heartbeats) ran the 08:00 slot's first page, then died.
    const runId = (await insertRun(engine.db, { eventType: TYPE, slotAt: new Date('2026-11-21T08:00:00Z'), trigger: 'tick', owner: dead.ctx.owner }))!;
    const page = await claimPage(dead.ctx, { type: TYPE, runId, trigger: 'tick', after: null });
    await deliverAll(dead.ctx, page.deliveries);
    expect(recipients(dead.transport)).toEqual(['1', '2']);
    // Supplier 1 has a new request after its digest went out: it waits for 12:00.
    await dead.recorder.record(TYPE, request(99, 1));

    const next = await testApp(engine, { config });
    const takenOver = nextEvent(next.ctx.lifecycle, 'run.finished', (r) => r.runId === runId && r.status === 'succeeded');
    const s = await startScheduler(next.ctx, { clock, recoveryPollMs: 60_000 });
    try {
      await takenOver;
      const runs = await selectRuns(engine.db, TYPE);
      expect(runs).toHaveLength(3);
      expect(recipients(next.transport)).toEqual(['3', '4', '5', '6']);
      expect(runs.find((x) => x.id === stale)).toMatchObject({ status: 'abandoned', error: 'owner stopped heartbeating' });
      const ticked = nextEvent(next.ctx.lifecycle, 'run.finished', (r) => r.trigger === 'tick');
      clock.set('2026-11-21T12:00:00Z');
      await ticked;
      expect(next.transport.sent[4]!.recipient).toBe('1');
    } finally {
      await s.stop();
    }
  });

  it('a tick whose claim failed (database error) is retried on the same slot, not skipped', async () => {
    const config = cronOnly();
    const clock = new FakeClock('2026-11-21T11:59:59Z');
    await finishedSlot(engine.db, '2026-11-21T08:00:00Z');
    const x = await testApp(engine, { config });
    await x.recorder.recordMany(Array.from({ length: 4 }, (_, i) => ({ type: TYPE, payload: request(i, i + 1) })));
    let failures = 1;
    const flaky: Db = {
      ...engine.db,
      dialect: engine.db.dialect,
      all: (q, p) => engine.db.all(q, p),
      run: (q, p) => engine.db.run(q, p),
      transaction: (fn) => (failures-- > 0 ? Promise.reject(new Error('connection lost')) : engine.db.transaction(fn)),
    };
    const s = await startScheduler({ ...x.ctx, db: flaky }, { clock, recoveryPollMs: 60_000 });
    try {
      const failed = nextEvent(x.ctx.lifecycle, 'run.failed');
      // The loop reports the failure just before it starts its back-off sleep.
      const backingOff = nextEvent(x.ctx.lifecycle, 'loop.failing');
      clock.set('2026-11-21T12:00:00Z');
      await failed;
      await backingOff;
      const succeeded = nextEvent(x.ctx.lifecycle, 'run.finished', (r) => r.status === 'succeeded');
      clock.advance(1_000); // the loop's back-off
      await succeeded;
      const runs = await selectRuns(engine.db, TYPE);
      expect(runs).toHaveLength(2);
      expect(runs[1]).toMatchObject({ trigger: 'tick', error: null, deliveriesSent: 4 });
      expect(recipients(x.transport)).toEqual(['1', '2', '3', '4']);
    } finally {
      await s.stop();
    }
  });
});
