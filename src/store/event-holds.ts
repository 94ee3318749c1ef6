/**
 * Events held for a recipient's send window or the end of their quiet hours
 * (issue 15): digest_events.held_until, read through digest_events_held
 * (held_until, type), so finding what is due never scans every recipient.
 */
import { setOutstandingById } from './case-by-id.js';
import { dbTime, type Executor, nowParam, nowSql, sqlFor } from './db.js';

/**
 * Holds outstanding events, each until its own instant, by primary key (the
 * claim read their ids; see event-claims.ts on why it locks by key): one
 * statement for a page's many instants (store/case-by-id.ts). An event
 * another claim linked meanwhile is left alone.
 */
export async function holdEvents(ex: Executor, holds: ReadonlyArray<{ until: Date; id: number }>): Promise<number> {
  return setOutstandingById(ex, 'held_until', holds.map((h) => [dbTime(h.until), h.id] as const));
}

/** The types that have held events due now: a range of the due-time index, as short as what is due. Parameter: now (nowParam). */
export const selectDueHeldTypesSql = (ex: Executor) =>
  `SELECT DISTINCT type FROM digest_events${sqlFor(ex).heldIndex} WHERE held_until <= ${nowSql(ex)}`;

export async function selectDueHeldTypes(ex: Executor, now?: Date): Promise<string[]> {
  const rows = await ex.all<{ type: string }>(selectDueHeldTypesSql(ex), [nowParam(now)]);
  return rows.map((r) => r.type);
}

/**
 * One recipient's held events of one type, not locked: a changed profile
 * re-times them (recipients/book.ts). The claim index's (type, delivery_id,
 * held_until) prefix bounds the read to the type's held events.
 */
export async function selectHeldEventIds(ex: Executor, type: string, recipient: string): Promise<number[]> {
  const rows = await ex.all<{ id: number }>(
    `SELECT id FROM digest_events WHERE type = ? AND delivery_id IS NULL AND held_until IS NOT NULL AND recipient = ?`, [type, recipient]);
  return rows.map((r) => Number(r.id));
}
