/** digest_workers: one row per running scheduler process. */
import { type Executor, sqlFor } from './db.js';

export async function insertWorker(ex: Executor, w: { id: string; host: string; pid: number }): Promise<void> {
  await ex.run('INSERT INTO digest_workers (id, host, pid) VALUES (?, ?, ?)', [w.id, w.host, w.pid]);
}

export async function touchWorker(ex: Executor, id: string): Promise<void> {
  await ex.run(`UPDATE digest_workers SET heartbeat_at = ${sqlFor(ex).now} WHERE id = ?`, [id]);
}

export async function deleteWorker(ex: Executor, id: string): Promise<void> {
  await ex.run('DELETE FROM digest_workers WHERE id = ?', [id]);
}
