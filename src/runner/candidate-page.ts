import type { Executor } from '../store/db.js';
import {
  type EventPool, selectOldestEventIds, selectOutstandingEventIds, selectOutstandingRecipients, selectOutstandingRecipientsOutsideRun,
} from '../store/event-claims.js';
import type { ClaimRequest } from './claim.js';
import { type RunnerContext, typeConfig } from './context.js';
import { eventsPerDelivery } from './group.js';
import { fitPage, nextCandidates } from './page-budget.js';

/**
 * A claim's page of recipients after the cursor (`req.after`), and the ids
 * of their outstanding events, or null when no recipient is left: how every
 * run but a window run reads (a window run: due-page.ts). `limit`: the
 * candidates to read; the page keeps those whose events fit (page-budget.ts).
 */
export async function readCandidatePage(ctx: RunnerContext, tx: Executor, req: ClaimRequest, pool: EventPool, limit: number) {
  const now = ctx.databaseNow?.();
  const candidates = req.recipient != null
    ? (req.after == null ? [{ recipient: req.recipient, outstanding: Number.POSITIVE_INFINITY, since: new Date(0) }] : [])
    : req.resumed && req.runId != null
      ? await selectOutstandingRecipientsOutsideRun(tx, req.type, req.runId, req.after, limit, now)
      : await selectOutstandingRecipients(tx, req.type, req.after, limit, now, req.lane, pool);
  const perDelivery = eventsPerDelivery(typeConfig(ctx, req.type));
  const page = fitPage(candidates, perDelivery);
  if (page.length === 0) return null;
  const more = req.recipient == null && (page.length < candidates.length || candidates.length === limit);
  const next = nextCandidates(candidates.length, page.length, typeConfig(ctx, req.type).batchSize);
  // In the database's order (its collation), which is what `recipient > ?` follows.
  const last = page[page.length - 1]!.recipient;
  // A recipient with more events than one delivery takes is read with a
  // LIMIT of its own; the others together, in one IN list.
  const heavy = page.filter((r) => r.outstanding > perDelivery).map((r) => r.recipient);
  const light = page.filter((r) => r.outstanding <= perDelivery).map((r) => r.recipient);
  // Ids first, then a lock on exactly those rows (see selectOutstandingEventIds).
  const keys = await selectOutstandingEventIds(tx, req.type, light, now, pool);
  let leftover = false;
  for (const r of heavy) {
    const oldest = await selectOldestEventIds(tx, req.type, r, perDelivery, now, pool);
    // A full delivery's worth: more may be waiting (a short read means another worker holds them).
    leftover ||= oldest.length === perDelivery;
    keys.push(...oldest);
  }
  return { page, keys, more, next, last, leftover };
}
