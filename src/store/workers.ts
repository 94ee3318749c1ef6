/** digest_workers: one row per running scheduler process; its heartbeat is "now" (injected, or the database clock). */
import { type Executor, nowParam, nowSql } from './db.js';

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
