/**
 * digest_suppressions: addresses that must receive nothing (issue 15). The
 * address is the primary key, stored lower-cased by the caller
 * (suppressions/address.ts): every lookup here is by that exact text.
 */
import { chunks, type Executor, nowParam, nowSql, placeholders, toDate } from './db.js';
import type { Suppression, SuppressionCursor, SuppressionReason } from '../types.js';

const COLUMNS = 'address, reason, detail, created_at AS createdAt';

const toSuppression = (r: Record<string, unknown>): Suppression => ({
  address: String(r.address),
  reason: String(r.reason) as SuppressionReason,
  detail: r.detail == null ? null : String(r.detail),
  createdAt: toDate(r.createdAt)!,
});

// Suppressing again replaces why and when: the newest reason is the one ops act on.
const ON_KEY_TAKEN = {
  mysql: 'ON DUPLICATE KEY UPDATE reason = VALUES(reason), detail = VALUES(detail), created_at = VALUES(created_at)',
  sqlite: 'ON CONFLICT (address) DO UPDATE SET reason = excluded.reason, detail = excluded.detail, created_at = excluded.created_at',
} as const;

/**
 * Inserts the suppressions, or replaces those stored for these addresses;
 * created_at is now (injected, or the database clock). One statement per
 * 500 rows: a bounce webhook's batch is one round trip. An address given
 * twice ends with its last row.
 */
export async function upsertSuppressions(
  ex: Executor, rows: ReadonlyArray<{ address: string; reason: SuppressionReason; detail: string | null }>, now?: Date,
): Promise<void> {
  for (const part of chunks(rows, 500)) {
    await ex.run(
      `INSERT INTO digest_suppressions (address, reason, detail, created_at)
       VALUES ${part.map(() => `(?, ?, ?, ${nowSql(ex)})`).join(', ')} ${ON_KEY_TAKEN[ex.dialect]}`,
      part.flatMap((s) => [s.address, s.reason, s.detail, nowParam(now)]));
  }
}

export async function selectSuppression(ex: Executor, address: string): Promise<Suppression | undefined> {
  const rows = await ex.all<Record<string, unknown>>(`SELECT ${COLUMNS} FROM digest_suppressions WHERE address = ?`, [address]);
  return rows[0] && toSuppression(rows[0]);
}

/** Number of rows deleted: 1, or 0 when the address was not suppressed. */
export async function deleteSuppression(ex: Executor, address: string): Promise<number> {
  return (await ex.run('DELETE FROM digest_suppressions WHERE address = ?', [address])).affectedRows;
}

/**
 * One page of suppressions: by address, or newest first (ties by address).
 * The cursor condition only when there is a cursor, as in selectRecipientsPage.
 */
export async function selectSuppressionsPage(ex: Executor, page: SuppressionCursor & { limit: number }): Promise<Suppression[]> {
  let where = '';
  let params: unknown[] = [];
  if (page.order === 'address' && page.after != null) {
    where = ' WHERE address > ?';
    params = [page.after];
  } else if (page.order === 'newest' && page.after != null) {
    where = ' WHERE created_at < ? OR (created_at = ? AND address > ?)';
    params = [nowParam(page.after.createdAt), nowParam(page.after.createdAt), page.after.address];
  }
  const order = page.order === 'address' ? 'address' : 'created_at DESC, address';
  const rows = await ex.all<Record<string, unknown>>(
    `SELECT ${COLUMNS} FROM digest_suppressions${where} ORDER BY ${order} LIMIT ?`, [...params, page.limit]);
  return rows.map(toSuppression);
}

export async function countSuppressions(ex: Executor): Promise<number> {
  const rows = await ex.all<{ n: number }>('SELECT COUNT(*) AS n FROM digest_suppressions');
  return Number(rows[0]?.n ?? 0);
}

/**
 * Which of these (lower-cased) addresses are suppressed, with why: one
 * statement per 1000 addresses, by primary key. Absent from the map: not suppressed.
 */
export async function selectSuppressedAmong(ex: Executor, addresses: readonly string[]): Promise<Map<string, SuppressionReason>> {
  const found = new Map<string, SuppressionReason>();
  for (const part of chunks([...new Set(addresses)])) {
    const rows = await ex.all<{ address: string; reason: string }>(
      `SELECT address, reason FROM digest_suppressions WHERE address IN (${placeholders(part.length)})`, part);
    for (const r of rows) found.set(String(r.address), String(r.reason) as SuppressionReason);
  }
  return found;
}
