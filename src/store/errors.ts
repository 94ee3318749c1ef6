/** Translates driver errors into the few facts the rest of the code acts on. */

const code = (err: unknown) => (err as { code?: string; errno?: number } | null)?.code;

/** A unique key said no: the thing already happened (a tick slot, an idempotency key). */
export function isDuplicateKey(err: unknown): boolean {
  const c = code(err);
  return c === 'ER_DUP_ENTRY' || c === 'SQLITE_CONSTRAINT_UNIQUE' || c === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

const errnoOf = (err: unknown) => (err as { errno?: number } | null)?.errno;
const messageOf = (err: unknown) => String((err as { message?: unknown } | null)?.message ?? '');

/**
 * The statement or transaction lost a race with another one and was rolled
 * back whole, so running it again is safe: contention, not an error.
 * - 1213 ER_LOCK_DEADLOCK: an InnoDB deadlock victim, and also how Galera
 *   reports a certification failure ("WSREP detected deadlock/conflict and
 *   aborted the transaction"), typically at COMMIT: row locks are local to a
 *   node, so two nodes may both "win" locally and one loses at commit.
 * - 1205 ER_LOCK_WAIT_TIMEOUT: waited for a row lock too long (the statement
 *   is rolled back; in our autocommit statements and whole-transaction
 *   retries, that is the whole unit).
 * - 1180 ER_ERROR_DURING_COMMIT with a wsrep cause: Galera rolled the commit
 *   back (the node lost the cluster mid-commit, or a brute-force abort).
 * - SQLITE_BUSY: another process held the write lock past the busy timeout.
 */
export function isConflict(err: unknown): boolean {
  if (err instanceof SlotTakenError) return true;
  const c = code(err);
  const errno = errnoOf(err);
  if (c === 'ER_LOCK_DEADLOCK' || c === 'ER_LOCK_WAIT_TIMEOUT' || c === 'SQLITE_BUSY') return true;
  if (errno === 1213 || errno === 1205) return true;
  return (c === 'ER_ERROR_DURING_COMMIT' || errno === 1180) && /wsrep|galera/i.test(messageOf(err));
}

/** The transaction lost a race and may simply be run again (isConflict). */
export const isRetryableTransaction = isConflict;

/**
 * A Galera node that is not part of the Primary Component (it lost its
 * peers, or is still joining/donating) answers 1047 ER_UNKNOWN_COM_ERROR
 * "WSREP has not yet prepared node for application use" to every query.
 * That is not our statement's fault and not contention: the node is not
 * usable, like a node that is down — so it counts as a connection error
 * (retried, never a failure; the connection is dropped, not reused).
 */
export function isNodeNotReady(err: unknown): boolean {
  const c = code(err);
  return (errnoOf(err) === 1047 || c === 'ER_UNKNOWN_COM_ERROR') && /wsrep/i.test(messageOf(err));
}

/**
 * The database is not reachable (down, restarting, network, DNS), or the
 * server ended our connection (MariaDB's KILL / shutdown, a lost socket):
 * the work is retried, never counted as a failure of its own.
 */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH',
  'PROTOCOL_CONNECTION_LOST', 'ER_SERVER_SHUTDOWN', 'ER_CON_COUNT_ERROR', 'ER_CONNECTION_KILLED',
  // A multi-host DATABASE_URL (mysql-hosts.ts): every node was found down and
  // is resting before the next connection attempt.
  'POOL_NONEONLINE',
]);
// mysql2 names only the codes it knows: MariaDB's 1927 (connection killed)
// arrives as errno with a code mysql2 may not map.
const CONNECTION_ERRNOS = new Set([1053 /* ER_SERVER_SHUTDOWN */, 1927 /* ER_CONNECTION_KILLED */, 1040 /* ER_CON_COUNT_ERROR */]);

export function isConnectionError(err: unknown): boolean {
  const c = code(err);
  const errno = (err as { errno?: number } | null)?.errno;
  return (c != null && CONNECTION_CODES.has(c)) || (errno != null && CONNECTION_ERRNOS.has(errno)) || isNodeNotReady(err);
}

/**
 * Another claim made the delivery of this window slot first (the unique
 * digest_deliveries_slot refused ours): a race lost, so a conflict — the
 * claim runs again, sees the slot taken and holds the events for the next.
 */
export class SlotTakenError extends Error {
  readonly code = 'DIGEST_SLOT_TAKEN';
  constructor(cause: unknown) {
    super('window slot already has its digest', { cause });
  }
}
