/**
 * digest_flushes: urgent events' requests to send their recipient's digest
 * now (issue 16). One row per (type, recipient), naming the latest urgent
 * event; the window pass (runner/run-urgent.ts) claims the recipient and
 * drops the row once that event has left the outstanding set, whoever took
 * it. The row is the request, not a lock: two replicas acting on it at once
 * are kept to one digest by the claim's own row locks.
 */
import { chunks, type Executor, nowParam, nowSql, type SyncExecutor } from './db.js';

export interface FlushRequest {
  type: string;
  recipient: string;
  eventId: number;
}

// A newer urgent event of the pair replaces the one named: the row must
// outlive any claim that took only the older one.
const ON_KEY_TAKEN = {
  mysql: 'ON DUPLICATE KEY UPDATE event_id = GREATEST(event_id, VALUES(event_id))',
  sqlite: 'ON CONFLICT (type, recipient) DO UPDATE SET event_id = MAX(event_id, excluded.event_id)',
} as const;

const upsertSql = (ex: Pick<Executor, 'dialect'>, count: number) =>
  `INSERT INTO digest_flushes (type, recipient, event_id) VALUES ${Array(count).fill('(?, ?, ?)').join(', ')} ${ON_KEY_TAKEN[ex.dialect]}`;
const upsertParams = (rows: readonly FlushRequest[]) => rows.flatMap((r) => [r.type, r.recipient, r.eventId]);

/** Inserts the requests, or moves an existing pair's to the newer event; 500 rows a statement. */
export async function upsertFlushes(ex: Executor, rows: readonly FlushRequest[]): Promise<void> {
  for (const part of chunks(rows, 500)) await ex.run(upsertSql(ex, part.length), upsertParams(part));
}

/** upsertFlushes on a caller's synchronous SQLite transaction. */
export function upsertFlushesSync(sx: SyncExecutor, rows: readonly FlushRequest[]): void {
  for (const part of chunks(rows, 500)) sx.run(upsertSql({ dialect: 'sqlite' }, part.length), upsertParams(part));
}

export interface PendingFlush extends FlushRequest {
  /** The named event is still outstanding (not linked to any delivery, not pruned). */
  outstanding: boolean;
  /** …and due: its available_at has passed. */
  due: boolean;
}

/**
 * Every request with the state of the event it names. The table holds one
 * row per recipient with an urgent event not yet sent, so it is small; read
 * whole, oldest first.
 */
export async function selectFlushes(ex: Executor, limit: number, now?: Date): Promise<PendingFlush[]> {
  const rows = await ex.all<Record<string, unknown>>(
    `SELECT f.type, f.recipient, f.event_id AS eventId, e.delivery_id AS deliveryId, e.id AS found,
            CASE WHEN e.available_at <= ${nowSql(ex)} THEN 1 ELSE 0 END AS due
       FROM digest_flushes f LEFT JOIN digest_events e ON e.id = f.event_id
      ORDER BY f.requested_at LIMIT ?`,
    [nowParam(now), limit]);
  return rows.map((r) => {
    const outstanding = r.found != null && r.deliveryId == null;
    return { type: String(r.type), recipient: String(r.recipient), eventId: Number(r.eventId), outstanding, due: outstanding && Number(r.due) === 1 };
  });
}

/** Drops a request that is done: only while it still names `eventId` (a newer urgent event keeps it). */
export async function deleteFlush(ex: Executor, f: FlushRequest): Promise<number> {
  return (await ex.run('DELETE FROM digest_flushes WHERE type = ? AND recipient = ? AND event_id = ?', [f.type, f.recipient, f.eventId])).affectedRows;
}

