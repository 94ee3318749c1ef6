/**
 * digest_runs: a run's life — started (once per slot), finished, taken over
 * or closed as abandoned. Heartbeats and run ages are compared against "now":
 * the injected time or the database clock (db.ts nowSql).
 */
import { type Executor, nowParam, nowSql, sqlFor, toDate } from './db.js';
import { isConflict, isDuplicateKey } from './errors.js';
import type { RunCounts, RunStatus, RunTrigger } from '../types.js';

/** A slot run that went through all its pages: its slot is done. */
const FINISHED = "(status = 'succeeded' OR (status = 'failed' AND error IS NULL))";

/** Its owner's digest_workers row is gone, or its heartbeat is older than `staleMs`. Parameters: staleMs, now. */
const ownerGone = (ex: Executor) => `NOT EXISTS (SELECT 1 FROM digest_workers w
  WHERE w.id = digest_runs.owner AND ${sqlFor(ex).plusMs('w.heartbeat_at')} > ${nowSql(ex)})`;


/**
 * Inserts a run. For ticks and catch-ups the (event_type, slot_at) unique key
 * is what makes a slot fire once across replicas: a second insert for the
 * same slot returns null (skipped), it never starts a second digest.
 *
 * Under Galera the losing insert of a slot may come back as a certification
 * conflict (1213) instead of a duplicate: both nodes inserted the row
 * locally, and the other's commit certified first. A conflict does not prove
 * the slot row exists, though (it may be a plain deadlock with something
 * else, its winner may roll back), so the slot is read again — by then a
 * certified winner's row has been applied here: found → skipped; not found →
 * the conflict goes on, and the tick loop runs the pass again as contention.
 * Only slot inserts, which run on their own (autocommit, already retried by
 * the store): inside a transaction a conflict rolled back more than this row.
 */
export async function insertRun(
  ex: Executor, run: { eventType: string; slotAt: Date | null; trigger: RunTrigger; owner: string }, now?: Date,
): Promise<number | null> {
  try {
    const res = await ex.run(
      `INSERT INTO digest_runs (event_type, slot_at, \`trigger\`, owner, started_at) VALUES (?, ?, ?, ?, ${nowSql(ex)})`,
      [run.eventType, run.slotAt, run.trigger, run.owner, nowParam(now)]);
    return res.insertId;
  } catch (err) {
    if (isDuplicateKey(err)) return null;
    if (run.slotAt != null && isConflict(err) && (await selectSlotRunId(ex, run.eventType, run.slotAt)) != null) return null;
    throw err;
  }
}

/** The id of a slot's run, if the slot has one. */
export async function selectSlotRunId(ex: Executor, eventType: string, slotAt: Date): Promise<number | null> {
  const rows = await ex.all<{ id: number }>('SELECT id FROM digest_runs WHERE event_type = ? AND slot_at = ?', [eventType, slotAt]);
  return rows[0] ? Number(rows[0].id) : null;
}

/** Records a run's outcome. Counts are added: a resumed run keeps what its earlier owner did. */
export async function finishRun(
  ex: Executor, id: number, status: RunStatus, counts: RunCounts, error: string | null, now?: Date,
): Promise<void> {
  await ex.run(
    `UPDATE digest_runs SET status = ?, events_claimed = events_claimed + ?, deliveries_created = deliveries_created + ?,
            deliveries_sent = deliveries_sent + ?, deliveries_failed = deliveries_failed + ?, error = ?,
            finished_at = ${nowSql(ex)} WHERE id = ?`,
    [status, counts.eventsClaimed, counts.deliveriesCreated, counts.deliveriesSent, counts.deliveriesFailed, error, nowParam(now), id]);
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
  ex: Executor, run: { eventType: string; slotAt: Date; owner: string; staleMs: number }, now?: Date,
): Promise<number | null> {
  // A broken-off run of our own (a tick retried after a database error)
  // matches too; a live owner's 'running' row never does.
  const res = await ex.run(
    `UPDATE digest_runs SET owner = ?, status = 'running', error = NULL, finished_at = NULL
      WHERE event_type = ? AND slot_at = ?
        AND (status IN ('stopped', 'abandoned') OR (status = 'failed' AND error IS NOT NULL)
             OR (status = 'running' AND ${ownerGone(ex)}))`,
    [run.owner, run.eventType, run.slotAt, run.staleMs, nowParam(now)]);
  if (res.affectedRows !== 1) return null;
  return selectSlotRunId(ex, run.eventType, run.slotAt);
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
export async function closeAbandonedRuns(ex: Executor, staleMs: number, now?: Date): Promise<number> {
  const res = await ex.run(
    `UPDATE digest_runs SET status = 'abandoned', finished_at = ${nowSql(ex)}, error = 'owner stopped heartbeating'
      WHERE status = 'running' AND ${sqlFor(ex).plusMs('started_at')} < ${nowSql(ex)} AND ${ownerGone(ex)}`,
    [nowParam(now), staleMs, nowParam(now), staleMs, nowParam(now)]);
  return res.affectedRows;
}
