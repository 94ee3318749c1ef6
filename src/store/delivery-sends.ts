/**
 * The two writes around a send, for many deliveries at once: a page's
 * deliveries go out together, so their marks are a few multi-row statements
 * per transaction rather than one round trip per delivery (issue 13: a
 * receipts drain was bound by ~4 single-row UPDATEs per commit).
 *
 * Fenced like every write of a held delivery: only rows still carrying our
 * lease token change. A multi-row UPDATE reports how many rows matched, not
 * which; how each function finds out which is said at the function.
 */
import { chunks, type Executor, nowParam, nowSql, placeholders, sqlFor } from './db.js';
import { contentChunks, ROWS_PER_STATEMENT } from './content-chunks.js';
import type { RenderedContent } from './delivery-marks.js';

/** Those of `ids` that still carry `token`; with `lock`, locked until the transaction ends. */
async function fenced(ex: Executor, token: string, ids: readonly number[], lock = false): Promise<Set<number>> {
  const ours = new Set<number>();
  for (const part of chunks(ids, ROWS_PER_STATEMENT)) {
    const rows = await ex.all<{ id: number }>(
      `SELECT id FROM digest_deliveries WHERE lease_token = ? AND id IN (${placeholders(part.length)}) ORDER BY id${lock ? sqlFor(ex).forUpdate : ''}`,
      [token, ...part]);
    for (const r of rows) ours.add(Number(r.id));
  }
  return ours;
}

const COLUMNS = ['address', 'subject', 'text', 'html', 'message_id', 'transport'] as const;
const valueOf = (c: RenderedContent, col: (typeof COLUMNS)[number]) =>
  col === 'message_id' ? c.messageId : c[col];

/**
 * Stores each rendered message and marks it handed to the transport,
 * renewing the lease (a send late in a long page must not run out of lease
 * while in flight). Returns the ids that were still ours; a delivery whose
 * lease was taken over while pending fails the fence here, before anything
 * is sent. The token stays on the row, so when fewer rows matched than were
 * asked for, reading the token back tells which.
 */
export async function markSending(
  ex: Executor, token: string, items: ReadonlyArray<{ id: number; content: RenderedContent }>, leaseMs: number, now?: Date,
): Promise<Set<number>> {
  let matched = 0;
  for (const part of contentChunks(items)) {
    // The rows' own values as a derived table joined on the id: one pass,
    // where a CASE per column would compare every row with every id.
    const rows = part.map((_, i) => (i === 0 ? `SELECT ? AS id, ${COLUMNS.map((c) => `? AS ${c}`).join(', ')}` : `SELECT ${placeholders(COLUMNS.length + 1)}`)).join(' UNION ALL ');
    // MySQL names the updated table in a join (d.); SQLite's UPDATE … FROM must not.
    const set = (t: string) => `${t}status = 'sending', ${COLUMNS.map((c) => `${t}${c} = v.${c}`).join(', ')},
              ${t}lease_until = ${sqlFor(ex).plusMs(nowSql(ex))}, ${t}updated_at = ${nowSql(ex)}`;
    const values = part.flatMap((i) => [i.id, ...COLUMNS.map((c) => valueOf(i.content, c))]);
    const times = [nowParam(now), leaseMs, nowParam(now)];
    const res = ex.dialect === 'mysql'
      ? await ex.run(`UPDATE digest_deliveries d JOIN (${rows}) v ON v.id = d.id SET ${set('d.')} WHERE d.lease_token = ?`, [...values, ...times, token])
      : await ex.run(`UPDATE digest_deliveries SET ${set('')} FROM (${rows}) v WHERE v.id = digest_deliveries.id AND digest_deliveries.lease_token = ?`, [...times, ...values, token]);
    matched += res.affectedRows;
  }
  const ids = items.map((i) => i.id);
  return matched === ids.length ? new Set(ids) : fenced(ex, token, ids);
}

/**
 * Marks the deliveries `sent` (a transport took them) or `ready` (a pull
 * transport's consumers lease them: runner/pull.ts) and gives up the
 * claim's lease. Returns the ids that were still ours (for `sent` the caller
 * stamps their events). The token is cleared here, so with more than one
 * row the fenced set is read and locked first: afterwards the rows would
 * not tell whose they were.
 *
 * A delivery born with its content (rendered at claim) has no Message-ID
 * stored yet: it is the id between `messageIdAround`'s two parts, written
 * here by the statement itself rather than as one value per row.
 */
async function handOver(
  ex: Executor, status: 'sent' | 'ready', token: string, ids: readonly number[], messageIdAround: readonly [string, string], now?: Date,
): Promise<Set<number>> {
  const ours = ids.length === 1 ? new Set(ids) : await fenced(ex, token, ids, true);
  const messageId = sqlFor(ex).concat('?', 'id', '?');
  const sentAt = status === 'sent' ? `sent_at = ${nowSql(ex)}, ` : '';
  let matched = 0;
  for (const part of chunks([...ours], ROWS_PER_STATEMENT)) {
    const res = await ex.run(
      `UPDATE digest_deliveries SET status = ?, ${sentAt}updated_at = ${nowSql(ex)}, error = NULL,
              message_id = COALESCE(message_id, ${messageId}), lease_token = NULL, lease_until = NULL, next_attempt_at = NULL
        WHERE lease_token = ? AND id IN (${placeholders(part.length)})`,
      [status, ...(sentAt ? [nowParam(now)] : []), nowParam(now), ...messageIdAround, token, ...part]);
    matched += res.affectedRows;
  }
  // One row: its own affected count is the fence.
  return ids.length === 1 && matched === 0 ? new Set() : ours;
}

export const markSent = (ex: Executor, token: string, ids: readonly number[], messageIdAround: readonly [string, string], now?: Date) =>
  handOver(ex, 'sent', token, ids, messageIdAround, now);

/** A pull transport's deliveries: rendered, with their Message-ID, no lease, nothing due (see store/pull-leases.ts). */
export const markReady = (ex: Executor, token: string, ids: readonly number[], messageIdAround: readonly [string, string], now?: Date) =>
  handOver(ex, 'ready', token, ids, messageIdAround, now);
