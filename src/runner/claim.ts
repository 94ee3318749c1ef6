import { randomUUID } from 'node:crypto';
import {
  type EventKey, type EventPool, lockEventsById, selectDueHeldEvents, type RecipientLane, selectOutstandingRecipients,
} from '../store/event-claims.js';
import { holdEvents } from '../store/event-holds.js';
import { linkEvents, stampEvents } from '../store/event-links.js';
import { insertDeliveries, selectDeliveryIdsByGroup } from '../store/deliveries.js';
import type { Executor } from '../store/db.js';
import type { ClaimedDelivery, RunTrigger, StoredEvent } from '../types.js';
import { type RunnerContext, typeConfig } from './context.js';
import { eventsPerDelivery, groupEvents } from './group.js';
import { type BornDelivery, prepareGroups } from './prepare.js';
import { settingsFrom } from './recipient-settings.js';
import { selectRecipientsByKeys } from '../store/recipients.js';
import { selectSuppressedAmong } from '../store/suppressions.js';
import { normalAddress } from '../recipients/suppression-input.js';
import { FIRST_CANDIDATES, MAX_EVENTS_PER_PAGE } from './page-budget.js';
import { leasesOf } from './lease-keeper.js';
import { insertUnslottedRun } from './run-rows.js';
import { wholeRecipients } from './whole-recipients.js';
import { withUrgentRecipients } from './urgent-recipients.js';
import { type PageTiming, timePage } from './page-timing.js';
import { readDuePage } from './due-page.js';
import { readCandidatePage } from './candidate-page.js';

/**
 * Window runs claim the held events that came due; run now and urgent runs
 * (one recipient's, run-urgent.ts) everything outstanding; every other run the fresh ones.
 */
const poolOf = (trigger: RunTrigger): EventPool =>
  (trigger === 'window' ? 'held' : trigger === 'manual' || trigger === 'urgent' ? 'all' : 'fresh');

export interface ClaimedPage {
  /** No recipients left after the cursor: the run is complete. */
  done: boolean;
  /** Done because the type has nothing outstanding at all (the idle peek). */
  idle?: boolean;
  runId: number | null;
  /** Cursor for the next page: recipients are taken in order, each once per run. */
  last: string | null;
  /** More recipients were outstanding than this page took: the run goes on after `last`. */
  more: boolean;
  /** Candidates the run's next page reads (page-budget.ts nextCandidates). */
  candidates: number;
  /** A recipient had more outstanding events than its delivery took (see runType's follow-up runs). */
  leftover: boolean;
  /** To be sent: born `sending` with their message, or `pending` (rendered before the send). */
  deliveries: ClaimedDelivery[];
  /** Events held for their recipients' windows or quiet hours (not claimed: they come back due). */
  held: number;
  /** Deliveries of recipients who turned the type off: born `suppressed`, their events stamped. */
  suppressed: Array<{ id: number; events: number }>;
  /** Born dead: a group none of whose events render (`from` null), or the poison split off group `from`. */
  dead: Array<{ id: number; from: number | null; error: string; events: number[] }>;
  events: number;
}

export interface ClaimRequest {
  type: string;
  runId: number | null;
  trigger: RunTrigger;
  after: string | null;
  recipient?: string;
  /** A slot run taken over from an earlier owner: its recipients already delivered are not claimed again. */
  resumed?: boolean;
  /** Candidates to read (recipients, with their counts): the previous page's `candidates`; else FIRST_CANDIDATES. */
  candidates?: number;
  /** Events were just recorded in this process: the idle peek would find them, so it is skipped. */
  woken?: boolean;
  /** Only recipients in (or outside) this hash range (runner/run.ts, scheduler/worker-lanes.ts). */
  lane?: RecipientLane;
}

/**
 * One short transaction: pick a page of recipients, lock their outstanding
 * events (SKIP LOCKED), create one delivery per group, rendered and born
 * `sending` (prepare.ts), link the events.
 * Because the page cursor moves past each recipient, a recipient's events go
 * into exactly one delivery per run; events arriving for it later wait for the
 * next run. The run row of an immediate/manual run is created here, with its
 * first claimed events, so idle polls leave no empty runs behind.
 */
export async function claimPage(ctx: RunnerContext, req: ClaimRequest): Promise<ClaimedPage> {
  const handler = ctx.registry.require(req.type);
  const cfg = typeConfig(ctx, req.type);
  const leaseToken = randomUUID();
  const limit = Math.min(cfg.batchSize, req.candidates ?? FIRST_CANDIDATES);
  const pool = poolOf(req.trigger);
  const nothing = { deliveries: [], dead: [], events: 0, held: 0, suppressed: [] };
  // Idle polls are the common case: peek without a transaction first, so an
  // idle scheduler never takes SQLite's write lock away from the app.
  const peek = () => (pool === 'held'
    ? selectDueHeldEvents(ctx.db, req.type, 1, ctx.databaseNow?.())
    : selectOutstandingRecipients(ctx.db, req.type, null, 1, ctx.databaseNow?.(), undefined, pool));
  if (!req.woken && req.after == null && req.recipient == null && (await peek()).length === 0) {
    return { done: true, idle: true, more: false, candidates: limit, leftover: false, runId: req.runId, last: null, ...nothing };
  }
  /** A window run's page (due-page.ts): no cursor and no candidate count to carry. */
  const readDueCandidates = async (tx: Executor) => {
    // A capped type's delivery takes more than a page's worth of events: its page reads at least that many.
    const due = await readDuePage(tx, req.type, ctx.databaseNow?.(), Math.max(MAX_EVENTS_PER_PAGE, eventsPerDelivery(cfg)));
    return due.page.length === 0 ? null : { ...due, next: limit, last: null, leftover: false };
  };
  const claimed = await ctx.db.transaction(async (tx): Promise<ClaimedPage> => {
    const read = pool === 'held' && req.recipient == null ? await readDueCandidates(tx) : await readCandidatePage(ctx, tx, req, pool, limit);
    if (!read) return { done: true, more: false, candidates: limit, leftover: false, runId: req.runId, last: req.after, ...nothing };
    const { page, keys, next, last, leftover } = read;
    const locked = keys.length ? await lockEventsById(tx, req.type, keys.map((k) => k.id)) : [];
    // Per-event deliveries cannot be split; recipient-grouped ones can.
    const whole = handler.group === 'recipient' ? await wholeRecipients(tx, req.type, keys, locked) : locked;
    const { taken, urgent } = await withUrgentRecipients(tx, cfg, pool, whole, ctx.databaseNow?.());
    // A window run pages without a cursor (what it takes leaves the due
    // range): a page whose events all belong to another claim in flight ends
    // the run, rather than reading them again; the next pass comes soon.
    const more = read.more && (pool !== 'held' || taken.length > 0);
    // The page's profiles, in one statement: each recipient's own clock (send
    // now, hold for a window or quiet hours, or suppress) and the language and
    // zone to render in. Timed after the lock: a zone may come from the
    // events' payloads (timeZoneField), as it does for rendering.
    const profiles = await selectRecipientsByKeys(tx, page.map((r) => r.recipient));
    const settingsOf = settingsFrom(ctx, profiles);
    const byRecipient = new Map<string, StoredEvent[]>();
    for (const e of taken) {
      const list = byRecipient.get(e.recipient);
      if (list) list.push(e);
      else byRecipient.set(e.recipient, [e]);
    }
    const zoneOf = (recipient: string) => settingsOf(req.type, recipient, byRecipient.get(recipient) ?? []).timeZone;
    const timing = await timePage(tx, cfg, handler.group, page, profiles, zoneOf, ctx.databaseNow?.() ?? new Date(), req.trigger === 'manual', urgent);
    const held = await holdAll(tx, taken, timing);
    const events = taken.filter((e) => timing.get(e.recipient)?.act !== 'hold');
    if (events.length === 0) return { done: false, more, candidates: next, leftover, runId: req.runId, last, ...nothing, held };

    const runId = req.runId ?? (await insertUnslottedRun(ctx, tx, { type: req.type, trigger: req.trigger }));
    const base = { runId, eventType: req.type, transport: cfg.transport };
    const groups = groupEvents(events, handler.group, eventsPerDelivery(cfg));
    const off = groups.filter((g) => timing.get(g.recipient)?.act === 'suppress');
    const sent = groups.filter((g) => timing.get(g.recipient)?.act !== 'suppress');
    const born: BornDelivery[] = [
      ...prepareGroups(ctx, base, sent, settingsOf).map((b) => withSlot(b, timing)),
      ...off.map((g) => ({ row: { ...base, recipient: g.recipient, groupKey: g.groupKey, suppressed: `the recipient turned ${req.type} off` }, events: g.events })),
    ];
    // The suppression list, for the messages born rendered: read beside the
    // claim's own writes (on MySQL on another pooled connection; the list
    // takes no lock), so their sends ask nothing more (suppression-check.ts).
    // On an immediate claim that lookup was a round trip before every send.
    const addresses = born.flatMap((b) => (b.message ? [normalAddress(b.message.to)] : []));
    const listedRead = addresses.length ? selectSuppressedAmong(tx.dialect === 'mysql' ? ctx.db : tx, addresses) : Promise.resolve(new Map());
    listedRead.catch(() => undefined); // awaited below; a failed claim must not leave it unhandled
    const insertId = await insertDeliveries(tx, born.map((b) => b.row), { token: leaseToken, ms: ctx.leaseMs }, ctx.databaseNow?.());
    // One delivery (an immediate type's usual claim) is its own insert id: a round trip saved on every event's way out.
    const ids = born.length === 1
      ? new Map([[born[0]!.row.groupKey, insertId]])
      : await selectDeliveryIdsByGroup(tx, runId, born.map((b) => b.row.groupKey));
    await linkEvents(tx, born.map((b) => ({ deliveryId: ids.get(b.row.groupKey)!, eventIds: b.events.map((e) => e.id) })));
    // Never sent, on purpose: processed now, visible as the delivery's status.
    const offEvents = off.flatMap((g) => g.events.map((e) => e.id));
    if (offEvents.length) await stampEvents(tx, offEvents, ctx.databaseNow?.());
    const listed = await listedRead;
    const deliveries: ClaimedDelivery[] = born.filter((b) => b.row.error == null && b.row.suppressed == null).map((b) => ({
      id: ids.get(b.row.groupKey)!, leaseToken, eventType: req.type, recipient: b.row.recipient, attempts: 1, events: b.events,
      ...(b.message
        ? { message: b.message, suppressedAs: listed.get(normalAddress(b.message.to)) ?? null }
        : b.settings ? { settings: b.settings } : {}),
    }));
    const dead = born.filter((b) => b.row.error != null).map((b) => ({
      id: ids.get(b.row.groupKey)!, from: b.splitFrom == null ? null : ids.get(b.splitFrom)!, error: b.row.error!, events: b.events.map((e) => e.id),
    }));
    return {
      done: false, more, candidates: next, leftover, runId, last, deliveries, dead, held,
      suppressed: off.map((g) => ({ id: ids.get(g.groupKey)!, events: g.events.length })),
      events: born.reduce((n, b) => n + b.events.length, 0),
    };
  });
  // After the commit: what was claimed, and what was born dead, is told only once it is so.
  if (claimed.events > 0) {
    const lane = req.lane && `${req.lane.inside ? '' : '!'}${req.lane.index}/${req.lane.count}`;
    ctx.lifecycle.emit('page.claimed', {
      type: req.type, runId: claimed.runId!, events: claimed.events, deliveries: claimed.deliveries.length + claimed.dead.length, ...(lane ? { lane } : {}),
    });
  }
  for (const d of claimed.suppressed) {
    ctx.lifecycle.emit('delivery.suppressed', { deliveryId: d.id, type: req.type, attempt: 1, events: d.events, reason: 'preference off', transport: cfg.transport });
  }
  for (const d of claimed.dead) {
    const err = d.error.replace(/^render: /, '');
    if (d.from == null) ctx.lifecycle.emit('delivery.dead', { deliveryId: d.id, type: req.type, attempt: 1, stage: 'render', retryInMs: null, err });
    else ctx.lifecycle.emit('delivery.split', { deliveryId: d.from, type: req.type, attempt: 1, deadDeliveryId: d.id, events: d.events });
  }
  // Held from now until each delivery's outcome is recorded (deliverAll releases them).
  leasesOf(ctx).hold(leaseToken, claimed.deliveries.map((d) => d.id));
  return claimed;
}

/** Holds the events of the recipients timed `hold` (one statement per 500); returns how many were held. */
async function holdAll(tx: Executor, events: readonly EventKey[], timing: ReadonlyMap<string, PageTiming>): Promise<number> {
  const holds = events.flatMap((e) => {
    const t = timing.get(e.recipient);
    return t?.act === 'hold' ? [{ until: t.until, id: e.id }] : [];
  });
  // By instant: each instant one CASE branch.
  return holdEvents(tx, holds.sort((a, b) => a.until.getTime() - b.until.getTime()));
}

/** A window digest's row carries its slot; a dead one (nothing rendered) or a split-off one does not use it up. */
function withSlot(b: BornDelivery, timing: ReadonlyMap<string, PageTiming>): BornDelivery {
  const t = timing.get(b.row.recipient);
  if (t?.act !== 'send' || !t.slot || b.row.error != null || b.row.groupKey !== b.row.recipient) return b;
  return { ...b, row: { ...b.row, slot: t.slot } };
}
