/** Translates driver errors into the few facts the rest of the code acts on. */

const code = (err: unknown) => (err as { code?: string; errno?: number } | null)?.code;

/** A unique key said no: the thing already happened (a tick slot, an idempotency key). */
export function isDuplicateKey(err: unknown): boolean {
  const c = code(err);
  return c === 'ER_DUP_ENTRY' || c === 'SQLITE_CONSTRAINT_UNIQUE' || c === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** The transaction lost a race and may simply be run again. */
export function isRetryableTransaction(err: unknown): boolean {
  const c = code(err);
  return c === 'ER_LOCK_DEADLOCK' || c === 'ER_LOCK_WAIT_TIMEOUT' || c === 'SQLITE_BUSY';
}

/** The database is not reachable (down, restarting, network). */
export function isConnectionError(err: unknown): boolean {
  const c = code(err);
  return c === 'ECONNREFUSED' || c === 'ECONNRESET' || c === 'PROTOCOL_CONNECTION_LOST' || c === 'ETIMEDOUT'
    || c === 'ER_SERVER_SHUTDOWN' || c === 'EPIPE' || c === 'ER_CON_COUNT_ERROR';
}
