/**
 * What "every receipt sent and stamped once" means, checked against the
 * database and what the SMTP capture server accepted (the same checks as
 * test/fault/kill9.test.ts, for suites that drain receipts by SMTP):
 * every event stamped and linked to exactly one sent delivery, each
 * delivery's stable Message-ID accepted, and the only extra copies are
 * re-sends of the same delivery with the same Message-ID (at-least-once).
 */
import { expect } from 'vitest';
import type { Accepted } from './smtp-server.js';
import type { SyncedReader } from './synced-reader.js';

export interface ReceiptProgress { total: number; processed: number; statuses: Record<string, number>; notSent: number }

export async function receiptProgress(db: SyncedReader): Promise<ReceiptProgress> {
  const [ev] = await db.all<{ total: unknown; processed: unknown }>(
    'SELECT COUNT(*) AS total, COUNT(processed_at) AS processed FROM digest_events');
  const byStatus = await db.all<{ status: string; n: unknown }>('SELECT status, COUNT(*) AS n FROM digest_deliveries GROUP BY status');
  const statuses = Object.fromEntries(byStatus.map((r) => [r.status, Number(r.n)]));
  const notSent = Object.entries(statuses).filter(([s]) => s !== 'sent').reduce((n, [, c]) => n + c, 0);
  return { total: Number(ev!.total), processed: Number(ev!.processed), statuses, notSent };
}

/** Asserts the at-least-once contract for `events` receipts; returns the duplicate counts for the log. */
export async function expectEveryReceiptOnce(db: SyncedReader, accepted: readonly Accepted[], events: number) {
  const [ev] = await db.all<Record<string, unknown>>(
    `SELECT COUNT(*) AS total, COUNT(processed_at) AS processed, COUNT(delivery_id) AS linked,
            COUNT(DISTINCT delivery_id) AS deliveries FROM digest_events`);
  expect(Object.fromEntries(Object.entries(ev!).map(([k, v]) => [k, Number(v)])))
    .toEqual({ total: events, processed: events, linked: events, deliveries: events });
  const statuses = await db.all<{ status: string; n: unknown }>('SELECT status, COUNT(*) AS n FROM digest_deliveries GROUP BY status');
  expect(statuses.map((r) => [r.status, Number(r.n)])).toEqual([['sent', events]]);

  const rows = await db.all<{ id: unknown; messageId: string; address: string; subject: string; payload: unknown }>(
    `SELECT d.id, d.message_id AS messageId, d.address, d.subject, e.payload
       FROM digest_deliveries d JOIN digest_events e ON e.delivery_id = d.id WHERE d.status = 'sent'`);
  expect(rows).toHaveLength(events);
  const byMessageId = new Map<string, { address: string; subject: string }>();
  const wrong: unknown[] = [];
  for (const r of rows) {
    const payload = (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload) as { email_address: string; order_id: number };
    if (!new RegExp(`^<delivery\\.${Number(r.id)}@shop\\.example>$`).test(r.messageId) || r.address !== payload.email_address
      || r.subject !== `Your receipt for order #${payload.order_id}`) wrong.push(r);
    byMessageId.set(r.messageId, { address: r.address, subject: r.subject });
  }
  expect(wrong.slice(0, 5), 'sent deliveries with a wrong Message-ID, address or subject').toEqual([]);
  expect(byMessageId.size).toBe(events);

  const copies = new Map<string, number>();
  const mismatched: unknown[] = [];
  for (const m of accepted) {
    copies.set(m.messageId, (copies.get(m.messageId) ?? 0) + 1);
    const d = byMessageId.get(m.messageId);
    // Every copy, duplicates included, is that delivery's own message.
    if (d && (m.subject !== d.subject || m.to.length !== 1 || m.to[0] !== d.address)) mismatched.push({ messageId: m.messageId, to: m.to, subject: m.subject });
  }
  const missing = [...byMessageId.keys()].filter((id) => !copies.has(id));
  const unknown = [...copies.keys()].filter((id) => !byMessageId.has(id));
  expect({ missing: missing.slice(0, 10), unknown: unknown.slice(0, 10) }, 'lost receipts / messages no delivery owns').toEqual({ missing: [], unknown: [] });
  expect(mismatched.slice(0, 5)).toEqual([]);
  const duplicated = [...copies.values()].filter((n) => n > 1);
  const extraCopies = duplicated.reduce((s, n) => s + (n - 1), 0);
  expect(accepted.length - events).toBe(extraCopies);
  return { extraCopies, resent: duplicated.length };
}
