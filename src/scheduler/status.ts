import type { DigestConfig } from '../config/types.js';
import { ageSeconds } from '../clock.js';
import { nextSlot } from '../config/slots.js';
import { selectDeliveryCounts, selectLatestRuns, selectOutstandingStats } from '../store/read-model.js';
import type { Db } from '../store/db.js';
import { DELIVERY_STATUSES, type DeliveryStatus } from '../types.js';

const NO_DELIVERIES = Object.fromEntries(DELIVERY_STATUSES.map((s) => [s, 0])) as Record<DeliveryStatus, number>;

/**
 * The status read model — per type: outstanding, oldest outstanding age, last
 * run, next run; deliveries by status. One model for `digest status`, the
 * HTTP API (GET /v1/schedules) and the dashboard.
 */
export async function scheduleStatus(ctx: { db: Db; config: DigestConfig; databaseNow?: () => Date | undefined }, now = new Date()) {
  const db = ctx.db;
  const [outstanding, runs, counts] = await Promise.all([selectOutstandingStats(db, ctx.databaseNow?.()), selectLatestRuns(db), selectDeliveryCounts(db)]);
  const types = Object.values(ctx.config.events).map((ev) => {
    const o = outstanding.find((x) => x.type === ev.type);
    const run = runs.find((r) => r.eventType === ev.type);
    const byStatus = Object.fromEntries(counts.filter((c) => c.eventType === ev.type).map((c) => [c.status, c.n]));
    return {
      type: ev.type,
      cadence: ev.cadence.text,
      outstanding: o?.outstanding ?? 0,
      // Waiting for their recipients' windows or quiet hours: outstanding, but not late.
      held: o?.held ?? 0,
      oldestAgeSeconds: o?.waitingSince ? Math.round(ageSeconds(o.waitingSince, o.now)) : null,
      lastRun: run ? { id: run.id, trigger: run.trigger, status: run.status, startedAt: run.startedAt, deliveriesSent: run.deliveriesSent, deliveriesFailed: run.deliveriesFailed } : null,
      nextRun: ev.cadence.kind === 'immediate' ? 'continuous' : nextSlot(ev.cadence, now),
      deliveries: { ...NO_DELIVERIES, ...byStatus },
    };
  });
  // Rows of a type nobody configured (a direct-SQL producer's typo, a type
  // removed from the file) are never claimed: shown, so they are not invisible.
  const unknownTypes = outstanding.filter((o) => !ctx.config.events[o.type]).map((o) => ({
    type: o.type,
    outstanding: o.outstanding,
    oldestAgeSeconds: o.waitingSince ? Math.round(ageSeconds(o.waitingSince, o.now)) : null,
  }));
  return { types, unknownTypes };
}

export type ScheduleStatus = Awaited<ReturnType<typeof scheduleStatus>>;
