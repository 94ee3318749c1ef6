/** digest_runs: one named function per statement. */
import { type Executor, sqlFor } from './db.js';
import { isDuplicateKey } from './errors.js';
import { toDate } from './events.js';
import type { RunCounts, RunStatus, RunTrigger } from '../types.js';


/** A slot run that went through all its pages: its slot is done. */
const FINISHED = "(status = 'succeeded' OR (status = 'failed' AND error IS NULL))";

/** Its owner's digest_workers row is gone, or its heartbeat is older than `staleMs` (database time). */
const ownerGone = (ex: Executor) => `NOT EXISTS (SELECT 1 FROM digest_workers w
  WHERE w.id = digest_runs.owner AND ${sqlFor(ex).plusMs('w.heartbeat_at')} > ${sqlFor(ex).now})`;


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

/** Records a run's outcome. Counts are added: a resumed run keeps what its earlier owner did. */
export async function finishRun(
  ex: Executor, id: number, status: RunStatus, counts: RunCounts, error: string | null,
): Promise<void> {
  await ex.run(
    `UPDATE digest_runs SET status = ?, events_claimed = events_claimed + ?, deliveries_created = deliveries_created + ?,
            deliveries_sent = deliveries_sent + ?, deliveries_failed = deliveries_failed + ?, error = ?,
            finished_at = ${sqlFor(ex).now} WHERE id = ?`,
    [status, counts.eventsClaimed, counts.deliveriesCreated, counts.deliveriesSent, counts.deliveriesFailed, error, id]);
}

/**
 * The latest slot whose run finished, for catch-up: a slot whose run failed,
 * was stopped or died is not done. Walks the (event_type, slot_at) unique
 * index backwards to the first finished one.
 */
export async function selectLastFinishedSlot(ex: Executor, eventType: string): Promise<Date | null> {
  const rows = await ex.all<{ slot: unknown }>(
    `SELECT slot_at AS slot FROM digest_runs WHERE event_type = ? AND slot_at IS NOT NULL AND ${FINISHED}
      ORDER BY slot_at DESC LIMIT 1`, [eventType]);
  return toDate(rows[0]?.slot);
}

/**
 * Takes over the run of a slot that did not finish — it broke off, was
 * stopped, or its owner's heartbeat is older than `staleMs` — so the slot is
 * resumed rather than lost. One conditional UPDATE: when several schedulers
 * try at once, the one whose UPDATE changes the row resumes it (the row lock
 * serialises them; the others see it 'running' with a live owner and change
 * nothing). Returns the run's id, or null when there is nothing to take over.
 */
export async function takeOverSlotRun(
  ex: Executor, run: { eventType: string; slotAt: Date; owner: string; staleMs: number },
): Promise<number | null> {
  // A broken-off run of our own (a tick retried after a database error)
  // matches too; a live owner's 'running' row never does.
  const res = await ex.run(
    `UPDATE digest_runs SET owner = ?, status = 'running', error = NULL, finished_at = NULL
      WHERE event_type = ? AND slot_at = ?
        AND (status IN ('stopped', 'abandoned') OR (status = 'failed' AND error IS NOT NULL)
             OR (status = 'running' AND ${ownerGone(ex)}))`,
    [run.owner, run.eventType, run.slotAt, run.staleMs]);
  if (res.affectedRows !== 1) return null;
  const rows = await ex.all<{ id: number }>(
    'SELECT id FROM digest_runs WHERE event_type = ? AND slot_at = ?', [run.eventType, run.slotAt]);
  return rows[0] ? Number(rows[0].id) : null;
}

/**
 * Closes 'running' rows whose owner stopped heartbeating (killed, host lost):
 * they become 'abandoned', which a later scheduler may still take over for
 * the type's latest due slot. Only runs older than `staleMs` too: a `digest
 * run now` process keeps no digest_workers row, and a short one is never
 * closed under it (a long one that is still going records its real outcome
 * at its end). Bounded: rows in 'running' are few, and digest_runs_status
 * finds them without reading the finished ones.
 */
export async function closeAbandonedRuns(ex: Executor, staleMs: number): Promise<number> {
  const res = await ex.run(
    `UPDATE digest_runs SET status = 'abandoned', finished_at = ${sqlFor(ex).now}, error = 'owner stopped heartbeating'
      WHERE status = 'running' AND ${sqlFor(ex).plusMs('started_at')} < ${sqlFor(ex).now} AND ${ownerGone(ex)}`,
    [staleMs, staleMs]);
  return res.affectedRows;
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

