/** digest_recipients: recipient profiles, one row per recipient key, written whole (or one type's preference at a time). */
import { chunks, type Executor, nowParam, nowSql, placeholders } from './db.js';
import { recipientColumns, recipientValues, toRecipient } from './recipient-row.js';
import type { RecipientProfile, StoredRecipientProfile, TypePreference } from '../types.js';

const SET_COLUMNS = ['time_zone', 'locale', 'quiet_start', 'quiet_end', 'preferences', 'updated_at'];

// A profile is replaced whole: every column but the key takes the new row's value.
const ON_KEY_TAKEN = {
  mysql: `ON DUPLICATE KEY UPDATE ${SET_COLUMNS.map((c) => `${c} = VALUES(${c})`).join(', ')}`,
  sqlite: `ON CONFLICT (recipient) DO UPDATE SET ${SET_COLUMNS.map((c) => `${c} = excluded.${c}`).join(', ')}`,
} as const;

/** Inserts the profile, or replaces the one stored under this key; updated_at is now (injected, or the database clock). */
export async function upsertRecipient(ex: Executor, recipient: string, profile: RecipientProfile, now?: Date): Promise<void> {
  await ex.run(
    `INSERT INTO digest_recipients (recipient, ${SET_COLUMNS.join(', ')})
     VALUES (?, ?, ?, ?, ?, ?, ${nowSql(ex)}) ${ON_KEY_TAKEN[ex.dialect]}`,
    [...recipientValues(recipient, profile), nowParam(now)]);
}

// RFC 7396 merge patches, on both engines: the first drops the type's old
// preference whole (a null member is removed), the second sets the new one;
// one patch alone would keep old fields the new preference leaves out (`at`).
const ON_KEY_TAKEN_PATCH = {
  mysql: 'ON DUPLICATE KEY UPDATE updated_at = VALUES(updated_at), preferences = JSON_MERGE_PATCH(JSON_MERGE_PATCH(preferences, ?), ?)',
  sqlite: 'ON CONFLICT (recipient) DO UPDATE SET updated_at = excluded.updated_at, preferences = json_patch(json_patch(preferences, ?), ?)',
} as const;

/**
 * Sets one type's preference and keeps the rest of the profile, creating a
 * profile with only that preference when there is none. One statement: two
 * changes to one recipient at once (two unsubscribe clicks) both land,
 * where a read-modify-write would lose one.
 */
export async function upsertRecipientPreference(ex: Executor, recipient: string, type: string, preference: TypePreference, now?: Date): Promise<void> {
  const set = JSON.stringify({ [type]: preference });
  await ex.run(
    `INSERT INTO digest_recipients (recipient, ${SET_COLUMNS.join(', ')})
     VALUES (?, NULL, NULL, NULL, NULL, ?, ${nowSql(ex)}) ${ON_KEY_TAKEN_PATCH[ex.dialect]}`,
    [recipient, set, nowParam(now), JSON.stringify({ [type]: null }), set]);
}

export async function selectRecipient(ex: Executor, recipient: string): Promise<StoredRecipientProfile | undefined> {
  const rows = await ex.all<Record<string, unknown>>(
    `SELECT ${recipientColumns(ex)} FROM digest_recipients WHERE recipient = ?`, [recipient]);
  return rows[0] && toRecipient(rows[0]);
}

/**
 * The stored profiles of these recipients (those that have one), by key: one
 * statement per 1,000 keys, so a claimed page (batchSize ≤ 1,000 by default)
 * costs one round trip however many recipients it holds.
 */
export async function selectRecipientsByKeys(ex: Executor, recipients: readonly string[]): Promise<Map<string, StoredRecipientProfile>> {
  const found = new Map<string, StoredRecipientProfile>();
  for (const part of chunks([...new Set(recipients)])) {
    const rows = await ex.all<Record<string, unknown>>(
      `SELECT ${recipientColumns(ex)} FROM digest_recipients WHERE recipient IN (${placeholders(part.length)})`, part);
    for (const row of rows) found.set(String(row.recipient), toRecipient(row));
  }
  return found;
}

/**
 * One page of profiles in recipient order, after the previous page's last
 * key. Both engines order the exact keys by their bytes (binary collation,
 * SQLite's BINARY), so a cursor from one page means the same on either.
 */
export async function selectRecipientsPage(ex: Executor, page: { after?: string; limit: number }): Promise<StoredRecipientProfile[]> {
  // The cursor condition only when there is a cursor: `(? IS NULL OR recipient > ?)`
  // would keep MySQL from starting the primary-key range at the cursor.
  const rows = await ex.all<Record<string, unknown>>(
    `SELECT ${recipientColumns(ex)} FROM digest_recipients${page.after == null ? '' : ' WHERE recipient > ?'} ORDER BY recipient LIMIT ?`,
    page.after == null ? [page.limit] : [page.after, page.limit]);
  return rows.map(toRecipient);
}

/** Number of rows deleted: 1, or 0 when there was no profile. */
export async function deleteRecipient(ex: Executor, recipient: string): Promise<number> {
  return (await ex.run('DELETE FROM digest_recipients WHERE recipient = ?', [recipient])).affectedRows;
}
