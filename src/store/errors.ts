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

/**
 * The database is not reachable (down, restarting, network, DNS), or the
 * server ended our connection (MariaDB's KILL / shutdown, a lost socket):
 * the work is retried, never counted as a failure of its own.
 */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH',
  'PROTOCOL_CONNECTION_LOST', 'ER_SERVER_SHUTDOWN', 'ER_CON_COUNT_ERROR', 'ER_CONNECTION_KILLED',
]);
// mysql2 names only the codes it knows: MariaDB's 1927 (connection killed)
// arrives as errno with a code mysql2 may not map.
const CONNECTION_ERRNOS = new Set([1053 /* ER_SERVER_SHUTDOWN */, 1927 /* ER_CONNECTION_KILLED */, 1040 /* ER_CON_COUNT_ERROR */]);

export function isConnectionError(err: unknown): boolean {
  const c = code(err);
  const errno = (err as { errno?: number } | null)?.errno;
  return (c != null && CONNECTION_CODES.has(c)) || (errno != null && CONNECTION_ERRNOS.has(errno));
}
