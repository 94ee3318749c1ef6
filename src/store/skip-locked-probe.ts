/**
 * Does this engine really skip locked rows? Some MySQL-compatible engines
 * (TiDB 7.1–8.5, Dolt) accept `FOR UPDATE SKIP LOCKED` and take no lock, so
 * two replicas would claim the same events. The probe asks the database
 * itself, with two connections: one locks a row, the other must skip it.
 * It uses a row of its own in digest_workers (migrated tables), removed after.
 */
import { randomUUID } from 'node:crypto';
import type { Db, Executor } from './db.js';
import { isRetryableTransaction } from './errors.js';
import { DigestError } from '../errors.js';
import { skipLockedProblem, type SkipLockedObservation } from './skip-locked.js';

async function insertProbeRow(ex: Executor, id: string): Promise<void> {
  await ex.run("INSERT INTO digest_workers (id, host, pid) VALUES (?, 'skip-locked-probe', 0)", [id]);
}

async function lockProbeRow(ex: Executor, id: string): Promise<number> {
  return (await ex.all('SELECT id FROM digest_workers WHERE id = ? FOR UPDATE', [id])).length;
}

async function selectProbeRowSkipLocked(ex: Executor, id: string): Promise<number> {
  return (await ex.all('SELECT id FROM digest_workers WHERE id = ? FOR UPDATE SKIP LOCKED', [id])).length;
}

/** An engine that waits instead of skipping should say so in a second, not after the default 50. */
async function setLockWaitSeconds(ex: Executor, seconds: number | null): Promise<void> {
  await ex.run(seconds == null ? 'SET SESSION innodb_lock_wait_timeout = DEFAULT' : 'SET SESSION innodb_lock_wait_timeout = ?', seconds == null ? [] : [seconds]);
}

async function deleteProbeRow(ex: Executor, id: string): Promise<void> {
  await ex.run('DELETE FROM digest_workers WHERE id = ?', [id]);
}

/** MySQL only (SQLite has no row locks: its claim takes the write lock instead). */
export async function observeSkipLocked(db: Db): Promise<SkipLockedObservation> {
  const id = `skip-locked-probe-${randomUUID()}`;
  await insertProbeRow(db, id);
  try {
    return await db.transaction(async (holder) => {
      if ((await lockProbeRow(holder, id)) !== 1) throw new Error('skip-locked probe: its own row was not found');
      // A second connection, while the first holds the lock.
      return db.transaction(async (other) => {
        await setLockWaitSeconds(other, 1);
        try {
          return (await selectProbeRowSkipLocked(other, id)) === 0 ? 'skipped' : 'returned';
        } catch (err) {
          if (isRetryableTransaction(err)) return 'waited';
          throw err;
        } finally {
          await setLockWaitSeconds(other, null);
        }
      });
    });
  } finally {
    await deleteProbeRow(db, id);
  }
}

/** Refuses (with the reason) an engine on which a locked row is not skipped; nothing to check on SQLite. */
export async function assertSkipsLocked(db: Db): Promise<void> {
  if (db.dialect !== 'mysql') return;
  const problem = skipLockedProblem(await observeSkipLocked(db));
  if (problem) throw new DigestError('SKIP_LOCKED_NOT_HONOURED', problem);
}
