/** digest_workers: one row per running scheduler process; its heartbeat is "now" (injected, or the database clock). */
import { type Executor, nowParam, nowSql, sqlFor } from './db.js';

export async function insertWorker(ex: Executor, w: { id: string; host: string; pid: number }, now?: Date): Promise<void> {
  await ex.run(
    `INSERT INTO digest_workers (id, host, pid, heartbeat_at) VALUES (?, ?, ?, ${nowSql(ex)})`,
    [w.id, w.host, w.pid, nowParam(now)]);
}

export async function touchWorker(ex: Executor, id: string, now?: Date): Promise<void> {
  await ex.run(`UPDATE digest_workers SET heartbeat_at = ${nowSql(ex)} WHERE id = ?`, [nowParam(now), id]);
}

export async function deleteWorker(ex: Executor, id: string): Promise<void> {
  await ex.run('DELETE FROM digest_workers WHERE id = ?', [id]);
}

/**
 * Ids of the scheduler processes whose heartbeat is younger than `freshMs`
 * (by the database clock), in id order: every replica reading this sees the
 * same list, so each can take its own position in it (scheduler/worker-lanes.ts).
 */
export async function selectLiveWorkerIds(ex: Executor, freshMs: number, now?: Date): Promise<string[]> {
  const rows = await ex.all<{ id: string }>(
    `SELECT id FROM digest_workers WHERE ${sqlFor(ex).plusMs('heartbeat_at')} >= ${nowSql(ex)} ORDER BY id`, [freshMs, nowParam(now)]);
  return rows.map((r) => r.id);
}
