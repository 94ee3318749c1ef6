/** digest_runs: one named function per statement. */
import { type Executor, sqlFor } from './db.js';
import { isDuplicateKey } from './errors.js';
import { toDate } from './events.js';

export type RunTrigger = 'tick' | 'immediate' | 'catchup' | 'manual';
export type RunStatus = 'running' | 'succeeded' | 'failed' | 'stopped';

export interface RunCounts {
  eventsClaimed: number;
  deliveriesCreated: number;
  deliveriesSent: number;
  deliveriesFailed: number;
}

/**
 * Inserts a run. For ticks and catch-ups the (event_type, slot_at) unique key
 * is what makes a slot fire once across replicas: a second insert for the
 * same slot returns null (skipped), it never starts a second digest.
 */
export async function insertRun(
  ex: Executor, run: { eventType: string; slotAt: Date | null; trigger: RunTrigger; owner: string },
): Promise<number | null> {
  try {
    const res = await ex.run(
      'INSERT INTO digest_runs (event_type, slot_at, `trigger`, owner) VALUES (?, ?, ?, ?)',
      [run.eventType, run.slotAt, run.trigger, run.owner]);
    return res.insertId;
  } catch (err) {
    if (isDuplicateKey(err)) return null;
    throw err;
  }
}

export async function finishRun(
  ex: Executor, id: number, status: RunStatus, counts: RunCounts, error: string | null,
): Promise<void> {
  await ex.run(
    `UPDATE digest_runs SET status = ?, events_claimed = ?, deliveries_created = ?, deliveries_sent = ?,
            deliveries_failed = ?, error = ?, finished_at = ${sqlFor(ex).now} WHERE id = ?`,
    [status, counts.eventsClaimed, counts.deliveriesCreated, counts.deliveriesSent, counts.deliveriesFailed, error, id]);
}

/** The latest slot that fired for a type (tick or catch-up), for catch-up on start. */
export async function selectLastSlot(ex: Executor, eventType: string): Promise<Date | null> {
  const rows = await ex.all<{ slot: unknown }>(
    'SELECT MAX(slot_at) AS slot FROM digest_runs WHERE event_type = ?', [eventType]);
  return toDate(rows[0]?.slot);
}

export interface RunRow extends RunCounts {
  id: number;
  eventType: string;
  slotAt: Date | null;
  trigger: RunTrigger;
  status: RunStatus;
  owner: string;
  startedAt: Date;
  finishedAt: Date | null;
  error: string | null;
}

const RUN_COLUMNS = `id, event_type AS eventType, slot_at AS slotAt, \`trigger\`, status, owner,
  events_claimed AS eventsClaimed, deliveries_created AS deliveriesCreated, deliveries_sent AS deliveriesSent,
  deliveries_failed AS deliveriesFailed, started_at AS startedAt, finished_at AS finishedAt, error`;

const toRun = (r: Record<string, unknown>): RunRow => ({
  ...(r as unknown as RunRow),
  id: Number(r.id),
  slotAt: toDate(r.slotAt),
  startedAt: toDate(r.startedAt)!,
  finishedAt: toDate(r.finishedAt),
});

/** The most recent run of each type (for status). */
export async function selectLatestRuns(ex: Executor): Promise<RunRow[]> {
  const rows = await ex.all<Record<string, unknown>>(
    `SELECT ${RUN_COLUMNS} FROM digest_runs
      WHERE id IN (SELECT MAX(id) FROM digest_runs GROUP BY event_type)`);
  return rows.map(toRun);
}

export async function selectRuns(ex: Executor, eventType: string): Promise<RunRow[]> {
  const rows = await ex.all<Record<string, unknown>>(
    `SELECT ${RUN_COLUMNS} FROM digest_runs WHERE event_type = ? ORDER BY id`, [eventType]);
  return rows.map(toRun);
}

/**
 * When the type's most recent succeeded run finished, with the database's
 * clock. Walks the (event_type, started_at) index backwards and stops at the
 * first success, instead of scanning every run of the type.
 */
export async function selectLastSuccessfulRun(ex: Executor, eventType: string): Promise<{ finishedAt: Date; now: Date } | undefined> {
  const rows = await ex.all<{ finishedAt: unknown; now: unknown }>(
    `SELECT finished_at AS finishedAt, ${sqlFor(ex).now} AS now FROM digest_runs
      WHERE event_type = ? AND status = 'succeeded' AND finished_at IS NOT NULL
      ORDER BY started_at DESC LIMIT 1`, [eventType]);
  const r = rows[0];
  return r ? { finishedAt: toDate(r.finishedAt)!, now: toDate(r.now)! } : undefined;
}
