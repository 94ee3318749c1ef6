/**
 * digest_deliveries: the outbox of sends. This module creates them and
 * reads them back for the runner; delivery-leases.ts and delivery-marks.ts
 * move them through their life. Every change made while a worker holds the
 * delivery is fenced by its lease token (`WHERE id = ? AND lease_token = ?`):
 * a worker that lost its lease changes nothing.
 */
import { contentChunks, type MessageContent } from './content-chunks.js';
import { chunks, dbTime, type Executor, nowParam, nowSql, placeholders, sqlFor } from './db.js';
import { isDuplicateKey, SlotTakenError } from './errors.js';
import { DELIVERY_COLUMNS, type DeliveryRow, toDelivery } from './delivery-row.js';

export interface NewDelivery {
  runId: number;
  eventType: string;
  recipient: string;
  groupKey: string;
  transport: string;
}

/**
 * How a claimed delivery is born: `sending` with its rendered message (the
 * send needs no write before it), `dead` with the reason its events cannot
 * be rendered, `suppressed` with the reason it is never sent (the recipient
 * turned the type off), or `pending` (rendered later, just before its send).
 * A window digest carries its slot: `key` is unique across all deliveries
 * (digest_deliveries_slot), so a slot's digest is made once, whichever
 * replica claims it.
 */
export type ClaimedRow = NewDelivery & { slot?: { at: Date; key: string } } & (
  | { content: MessageContent; error?: never; suppressed?: never }
  | { error: string; content?: never; suppressed?: never }
  | { suppressed: string; content?: never; error?: never }
  | { content?: never; error?: never; suppressed?: never });

const statusOf = (r: ClaimedRow) => (r.content ? 'sending' : r.error != null ? 'dead' : r.suppressed != null ? 'suppressed' : 'pending');

/**
 * Claimed deliveries, born leased to the claiming worker until now +
 * lease.ms (a dead or suppressed one has no lease: nobody works on it). A
 * few multi-row statements per page, cut by rows and by rendered size.
 * Returns the last statement's insert id: the id of the delivery when there
 * is one row (with more, ids need not be consecutive:
 * selectDeliveryIdsByGroup). A slot already taken fails the statement with
 * SlotTakenError (a conflict: the claim runs again and finds it taken).
 */
export async function insertDeliveries(
  ex: Executor, rows: readonly ClaimedRow[], lease: { token: string; ms: number }, now?: Date,
): Promise<number> {
  const until = sqlFor(ex).plusMs(nowSql(ex));
  let insertId = 0;
  for (const part of contentChunks(rows)) {
    const values: unknown[] = [];
    const tuples = part.map((r) => {
      const c = r.content;
      const status = statusOf(r);
      values.push(r.runId, r.eventType, r.recipient, r.groupKey, r.transport, status,
        c?.address ?? null, c?.subject ?? null, c?.text ?? null, c?.html ?? null, r.error ?? r.suppressed ?? null,
        r.slot ? dbTime(r.slot.at) : null, r.slot?.key ?? null);
      if (status === 'dead' || status === 'suppressed') return '(?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)';
      values.push(lease.token, nowParam(now), lease.ms);
      return `(?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ${until})`;
    });
    try {
      ({ insertId } = await ex.run(
        `INSERT INTO digest_deliveries (run_id, event_type, recipient, group_key, transport, status, attempts, address, subject, text, html, error, slot_at, slot_key, lease_token, lease_until)
         VALUES ${tuples.join(', ')}`,
        values));
    } catch (err) {
      if (part.some((r) => r.slot) && isDuplicateKey(err)) throw new SlotTakenError(err);
      throw err;
    }
  }
  return insertId;
}

/** Which of these slot keys have their delivery already (checked before a claim inserts window digests). */
export async function selectTakenSlotKeys(ex: Executor, keys: readonly string[]): Promise<Set<string>> {
  const taken = new Set<string>();
  for (const part of chunks(keys)) {
    const rows = await ex.all<{ slotKey: string }>(
      `SELECT slot_key AS slotKey FROM digest_deliveries WHERE slot_key IN (${placeholders(part.length)})`, part);
    for (const r of rows) taken.add(r.slotKey);
  }
  return taken;
}

/**
 * A delivery born dead: the events split out of another delivery because they
 * cannot be rendered (bad payload, template error). Same run, recipient and
 * transport; its group key (`!<from id>:<first event id>`) is unique per run.
 */
export async function insertDeadDelivery(
  ex: Executor, row: NewDelivery & { attempts: number; error: string },
): Promise<number> {
  const res = await ex.run(
    `INSERT INTO digest_deliveries (run_id, event_type, recipient, group_key, transport, status, attempts, error)
     VALUES (?, ?, ?, ?, ?, 'dead', ?, ?)`,
    [row.runId, row.eventType, row.recipient, row.groupKey, row.transport, row.attempts, row.error]);
  return res.insertId;
}

export async function selectDeliveryIdsByGroup(
  ex: Executor, runId: number, groupKeys: readonly string[],
): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  for (const part of chunks(groupKeys)) {
    const rows = await ex.all<{ id: number; groupKey: string }>(
      `SELECT id, group_key AS groupKey FROM digest_deliveries WHERE run_id = ? AND group_key IN (${placeholders(part.length)})`,
      [runId, ...part]);
    for (const r of rows) ids.set(r.groupKey, Number(r.id));
  }
  return ids;
}

export async function selectDeliveriesByIds(ex: Executor, ids: readonly number[]): Promise<DeliveryRow[]> {
  if (ids.length === 0) return [];
  const rows = await ex.all<Record<string, unknown>>(
    `SELECT ${DELIVERY_COLUMNS} FROM digest_deliveries WHERE id IN (${placeholders(ids.length)}) ORDER BY id`, ids);
  return rows.map(toDelivery);
}
