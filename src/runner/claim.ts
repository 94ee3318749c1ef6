import { randomUUID } from 'node:crypto';
import {
  lockEventsById, selectOldestEventIds, selectOutstandingEventIds, selectOutstandingRecipients, selectOutstandingRecipientsOutsideRun,
} from '../store/event-claims.js';
import { linkEvents } from '../store/event-links.js';
import { insertDeliveries, selectDeliveryIdsByGroup } from '../store/deliveries.js';
import type { ClaimedDelivery, RunTrigger } from '../types.js';
import { type RunnerContext, typeConfig } from './context.js';
import { groupEvents, MAX_EVENTS_PER_DELIVERY } from './group.js';
import { fitPage } from './page-budget.js';
import { leasesOf } from './lease-keeper.js';
import { insertUnslottedRun } from './run-rows.js';
import { wholeRecipients } from './whole-recipients.js';

export interface ClaimedPage {
  /** No recipients left after the cursor: the run is complete. */
  done: boolean;
  runId: number | null;
  /** Cursor for the next page: recipients are taken in order, each once per run. */
  last: string | null;
  /** More recipients were outstanding than this page took: the run goes on after `last`. */
  more: boolean;
  /** A recipient had more outstanding events than its delivery took (see runType's follow-up runs). */
  leftover: boolean;
  deliveries: ClaimedDelivery[];
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
}

/**
 * One short transaction: pick a page of recipients, lock their outstanding
 * events (SKIP LOCKED), create one delivery per group, link the events.
 * Because the page cursor moves past each recipient, a recipient's events go
 * into exactly one delivery per run; events arriving for it later wait for the
 * next run. The run row of an immediate/manual run is created here, with its
 * first claimed events, so idle polls leave no empty runs behind.
 */
export async function claimPage(ctx: RunnerContext, req: ClaimRequest): Promise<ClaimedPage> {
  const handler = ctx.registry.require(req.type);
  const cfg = typeConfig(ctx, req.type);
  const leaseToken = randomUUID();
  // Idle polls are the common case: peek without a transaction first, so an
  // idle scheduler never takes SQLite's write lock away from the app.
  if (req.after == null && req.recipient == null && (await selectOutstandingRecipients(ctx.db, req.type, null, 1, ctx.databaseNow?.())).length === 0) {
    return { done: true, more: false, leftover: false, runId: req.runId, last: null, deliveries: [], events: 0 };
  }
  const claimed = await ctx.db.transaction(async (tx): Promise<ClaimedPage> => {
    const candidates = req.recipient != null
      ? (req.after == null ? [{ recipient: req.recipient, outstanding: Number.POSITIVE_INFINITY }] : [])
      : req.resumed && req.runId != null
        ? await selectOutstandingRecipientsOutsideRun(tx, req.type, req.runId, req.after, cfg.batchSize, ctx.databaseNow?.())
        : await selectOutstandingRecipients(tx, req.type, req.after, cfg.batchSize, ctx.databaseNow?.());
    const page = fitPage(candidates, MAX_EVENTS_PER_DELIVERY);
    const more = req.recipient == null && (page.length < candidates.length || candidates.length === cfg.batchSize);
    if (page.length === 0) return { done: true, more, leftover: false, runId: req.runId, last: req.after, deliveries: [], events: 0 };
    // In the database's order (its collation), which is what `recipient > ?` follows.
    const last = page[page.length - 1]!.recipient;
    // A recipient with more events than one delivery takes is read with a
    // LIMIT of its own; the others together, in one IN list.
    const heavy = page.filter((r) => r.outstanding > MAX_EVENTS_PER_DELIVERY).map((r) => r.recipient);
    const light = page.filter((r) => r.outstanding <= MAX_EVENTS_PER_DELIVERY).map((r) => r.recipient);
    // Ids first, then a lock on exactly those rows (see selectOutstandingEventIds).
    const keys = await selectOutstandingEventIds(tx, req.type, light, ctx.databaseNow?.());
    let leftover = false;
    for (const r of heavy) {
      const oldest = await selectOldestEventIds(tx, req.type, r, MAX_EVENTS_PER_DELIVERY, ctx.databaseNow?.());
      // A full delivery's worth: more may be waiting (a short read means another worker holds them).
      leftover ||= oldest.length === MAX_EVENTS_PER_DELIVERY;
      keys.push(...oldest);
    }
    const locked = keys.length ? await lockEventsById(tx, req.type, keys.map((k) => k.id)) : [];
    // Per-event deliveries cannot be split; recipient-grouped ones can.
    const events = handler.group === 'recipient' ? await wholeRecipients(tx, req.type, keys, locked) : locked;
    if (events.length === 0) return { done: false, more, leftover, runId: req.runId, last, deliveries: [], events: 0 };

    const runId = req.runId ?? (await insertUnslottedRun(ctx, tx, { type: req.type, trigger: req.trigger }));
    const groups = groupEvents(events, handler.group);
    await insertDeliveries(tx, groups.map((g) => ({
      runId, eventType: req.type, recipient: g.recipient, groupKey: g.groupKey, transport: cfg.transport,
    })), { token: leaseToken, ms: ctx.leaseMs }, ctx.databaseNow?.());
    const ids = await selectDeliveryIdsByGroup(tx, runId, groups.map((g) => g.groupKey));
    const deliveries: ClaimedDelivery[] = groups.map((g) => ({
      id: ids.get(g.groupKey)!, leaseToken, eventType: req.type, recipient: g.recipient, attempts: 1, events: g.events,
    }));
    await linkEvents(tx, deliveries.map((d) => ({ deliveryId: d.id, eventIds: d.events.map((e) => e.id) })));
    return { done: false, more, leftover, runId, last, deliveries, events: deliveries.reduce((n, d) => n + d.events.length, 0) };
  });
  // Held from now until each delivery's outcome is recorded (deliverAll releases them).
  leasesOf(ctx).hold(leaseToken, claimed.deliveries.map((d) => d.id));
  return claimed;
}
