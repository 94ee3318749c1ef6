/**
 * Reads that only report — `digest status`, the dashboard and /metrics:
 * backlog per type, delivery counts, latest runs. Nothing here changes a row
 * or feeds a decision of the runner. Ages are measured against "now": the
 * injected time or the database clock (db.ts nowSql), never one host's clock.
 */
import { type Executor, nowParam, nowSql, toDate } from './db.js';
import { RUN_COLUMNS, type RunRow, toRun } from './run-row.js';
import type { DeliveryStatus } from '../types.js';

export interface OutstandingStats {
  type: string;
  /** Unclaimed events, delayed and held ones included. */
  outstanding: number;
  /** Of those, held for their recipients' send windows or quiet hours and not yet due. */
  held: number;
  /**
   * Since when the longest-waiting DUE event has waited (recorded, or
   * available if delayed later, or its hold's end if held); null if none is
   * due. An event held for next Monday's digest is not late today.
   */
  waitingSince: Date | null;
  /** The database clock (or the injected time), to measure ages against. */
  now: Date;
}

/**
 * Reads only outstanding rows, through digest_events_delivery (delivery_id IS
 * NULL): its cost is the backlog's size, not the table's (EXPLAIN-checked in
 * test/db/retention.test.ts). Parameters: now three times (nowParam).
 */
export function outstandingStatsSql(ex: Executor): string {
  const now = nowSql(ex);
  return `SELECT type, COUNT(*) AS outstanding,
            SUM(CASE WHEN held_until > ${now} THEN 1 ELSE 0 END) AS held,
            MIN(CASE WHEN COALESCE(held_until, available_at) > ${now} THEN NULL WHEN held_until IS NOT NULL THEN held_until
                     WHEN available_at > recorded_at THEN available_at ELSE recorded_at END) AS waitingSince,
            ${now} AS now
       FROM digest_events WHERE delivery_id IS NULL GROUP BY type`;
}

/** Per type: outstanding count and the oldest wait. One definition for `digest status`, the dashboard and /metrics. */
export async function selectOutstandingStats(ex: Executor, now?: Date): Promise<OutstandingStats[]> {
  const rows = await ex.all<{ type: string; outstanding: number; held: unknown; waitingSince: unknown; now: unknown }>(
    outstandingStatsSql(ex), Array(3).fill(nowParam(now)));
  return rows.map((r) => ({
    type: r.type, outstanding: Number(r.outstanding), held: Number(r.held ?? 0), waitingSince: toDate(r.waitingSince), now: toDate(r.now)!,
  }));
}

/** Counted from digest_deliveries_type_status alone (a covering index scan, no row read; EXPLAIN-checked in a test). */
export const DELIVERY_COUNTS_SQL = 'SELECT event_type AS eventType, status, COUNT(*) AS n FROM digest_deliveries GROUP BY event_type, status';

export async function selectDeliveryCounts(ex: Executor): Promise<Array<{ eventType: string; status: DeliveryStatus; n: number }>> {
  const rows = await ex.all<{ eventType: string; status: DeliveryStatus; n: number }>(
    DELIVERY_COUNTS_SQL);
  return rows.map((r) => ({ ...r, n: Number(r.n) }));
}

/** The most recent run of each type (for status). */
export async function selectLatestRuns(ex: Executor): Promise<RunRow[]> {
  const rows = await ex.all<Record<string, unknown>>(
    `SELECT ${RUN_COLUMNS} FROM digest_runs
      WHERE id IN (SELECT MAX(id) FROM digest_runs GROUP BY event_type)`);
  return rows.map(toRun);
}

/**
 * When the type's most recent succeeded run finished, with "now" to measure
 * against. Walks the (event_type, started_at) index backwards and stops at
 * the first success, instead of scanning every run of the type.
 */
export async function selectLastSuccessfulRun(
  ex: Executor, eventType: string, now?: Date,
): Promise<{ finishedAt: Date; now: Date } | undefined> {
  const rows = await ex.all<{ finishedAt: unknown; now: unknown }>(
    `SELECT finished_at AS finishedAt, ${nowSql(ex)} AS now FROM digest_runs
      WHERE event_type = ? AND status = 'succeeded' AND finished_at IS NOT NULL
      ORDER BY started_at DESC LIMIT 1`, [nowParam(now), eventType]);
  const r = rows[0];
  return r ? { finishedAt: toDate(r.finishedAt)!, now: toDate(r.now)! } : undefined;
}
