/**
 * Pull consumers: outside workers (a PHP or Go mailer) lease the rendered
 * deliveries of a `pull` transport, send them their own way, and ack or
 * nack each one. The scheduler stores such deliveries `ready` instead of
 * sending them (deliver.ts); from there:
 *
 *   ready → leased (one consumer, until its visibility timeout) → sent | failed | dead
 *
 * - A lease is one token for the deliveries one call got; every ack and
 *   nack must carry it (the fence: `WHERE id = ? AND lease_token = ?`).
 * - No two consumers hold a delivery at once: the lease is one transaction
 *   that picks rows FOR UPDATE SKIP LOCKED and leases them with an UPDATE
 *   that re-checks they are still free (the database decides, not memory).
 * - A lease not acked within its visibility runs out; the next lease call
 *   takes the delivery as if it were ready (no sweeper).
 * - An ack after the visibility ran out is accepted while nobody else has
 *   leased the delivery (the token is still on the row): the consumer did
 *   send it, and refusing would only make the next one send it again. Once
 *   another consumer holds it, the late ack is refused (409).
 * - A nack is a failed attempt like any transport failure: retried after the
 *   backoff by the recovery loop (which renders it again and makes it
 *   `ready` again), dead after maxAttempts, or at once when `permanent`.
 */
import { randomUUID } from 'node:crypto';
import type { Executor } from '../store/db.js';
import { selectDeliveriesByIds } from '../store/deliveries.js';
import { markFailed } from '../store/delivery-marks.js';
import { markSent } from '../store/delivery-sends.js';
import { selectEventIdsOfDeliveries, stampDeliveryEvents } from '../store/event-links.js';
import { leasePulled, selectLeasable, selectLeased } from '../store/pull-leases.js';
import { unsubscribeUrl } from '../unsubscribe/link.js';
import type { DeliveryStatus } from '../types.js';
import { backoffMs } from './backoff.js';
import type { RunnerContext } from './context.js';
import { persist } from './commit.js';
import { messageIdAround, messageIdFor } from './message-id.js';

/** One leased delivery, as its consumer needs it to send the message itself. */
export interface PulledDelivery {
  id: number;
  leaseToken: string;
  leaseUntil: Date;
  eventType: string;
  recipient: string;
  /** This delivery's attempt number (1 on its first lease; a nack's retry is the next). */
  attempt: number;
  to: string;
  subject: string | null;
  text: string | null;
  html: string | null;
  /** Stable per delivery: the receiver's key to drop a duplicate. */
  messageId: string;
  /** Header fields to put on the message (Message-ID, List-Unsubscribe when configured, …). */
  headers: Record<string, string>;
  events: Array<{ id: number; type: string }>;
}

export interface PullLease {
  leaseToken: string;
  deliveries: PulledDelivery[];
}

/** Is `name` a configured pull transport? */
export const isPullTransport = (ctx: RunnerContext, name: string) => ctx.config.transports[name]?.kind === 'pull';

/** Leases up to `max` deliveries of a pull transport to one caller for `visibilityMs`. */
export async function leasePull(ctx: RunnerContext, transport: string, opts: { max: number; visibilityMs: number }): Promise<PullLease> {
  const token = randomUUID();
  const now = () => ctx.databaseNow?.();
  const leased = await ctx.db.transaction(async (tx) => {
    const ids = await selectLeasable(tx, transport, opts.max, now());
    if (ids.length === 0) return null;
    const taken = await leasePulled(tx, ids, { token, visibilityMs: opts.visibilityMs }, now());
    if (taken === 0) return null;
    // Fewer taken than picked (a row leased elsewhere between the two): the token tells which are ours.
    const rows = await selectLeased(tx, token, ids);
    return { rows, events: await selectEventIdsOfDeliveries(tx, rows.map((r) => r.id)) };
  });
  if (!leased) return { leaseToken: token, deliveries: [] };
  ctx.lifecycle.emit('pull.leased', { transport, deliveries: leased.rows.length, visibilityMs: opts.visibilityMs });
  return {
    leaseToken: token,
    deliveries: leased.rows.map((r) => {
      const messageId = r.messageId ?? messageIdFor(r.id, ctx.messageIdDomain);
      // Derived from the config like the send's (deliver.ts), equal to the link rendered into the bodies.
      const unsubscribe = unsubscribeUrl(ctx.config, { recipient: r.recipient, type: r.eventType });
      return {
        id: r.id, leaseToken: token, leaseUntil: r.leaseUntil, eventType: r.eventType, recipient: r.recipient, attempt: r.attempts,
        to: r.address ?? r.recipient, subject: r.subject, text: r.text, html: r.html, messageId,
        headers: {
          'Message-ID': messageId,
          'X-Digest-Event-Type': r.eventType,
          // RFC 8058 one-click unsubscribe, as the smtp transport writes it.
          ...(unsubscribe ? { 'List-Unsubscribe': `<${unsubscribe}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' } : {}),
        },
        events: (leased.events.get(r.id) ?? []).map((id) => ({ id, type: r.eventType })),
      };
    }),
  };
}

/** What an ack or nack came to; `missing` and `not_held` change nothing. */
export type PullSettled =
  | { outcome: 'sent'; events: number }
  | { outcome: 'failed'; retryInMs: number }
  | { outcome: 'dead' }
  | { outcome: 'missing' }
  /** The token does not hold it (wrong, stale: another consumer leased it since, or it is settled already). */
  | { outcome: 'not_held'; status: DeliveryStatus };

/** Reads the delivery inside the settling transaction: is it there, and does `token` hold it? */
async function heldRow(tx: Executor, id: number, token: string) {
  const [row] = await selectDeliveriesByIds(tx, [id]);
  if (!row) return { settled: { outcome: 'missing' } as const };
  if (row.status !== 'leased' || row.leaseToken !== token) return { settled: { outcome: 'not_held', status: row.status } as const };
  return { row };
}

/** The consumer sent it: marked sent and its events stamped, in one transaction (fenced by the token). */
export async function ackPull(ctx: RunnerContext, id: number, token: string): Promise<PullSettled> {
  const now = () => ctx.databaseNow?.();
  const result = await persist(() => ctx.db.transaction(async (tx): Promise<{ settled: PullSettled; type?: string; attempt?: number; transport?: string }> => {
    const held = await heldRow(tx, id, token);
    if (!held.row) return held;
    if ((await markSent(tx, token, [id], messageIdAround(ctx.messageIdDomain), now())).size === 0) return { settled: { outcome: 'not_held', status: held.row.status } };
    const events = await stampDeliveryEvents(tx, id, now());
    return { settled: { outcome: 'sent', events }, type: held.row.eventType, attempt: held.row.attempts, transport: held.row.transport };
  }));
  if (result.settled.outcome === 'sent') {
    ctx.lifecycle.emit('delivery.sent', {
      deliveryId: id, type: result.type!, attempt: result.attempt!, events: result.settled.events, transport: result.transport!, sendMs: 0,
    });
  }
  return result.settled;
}

/**
 * The consumer could not send it: a failed attempt with `reason` as its
 * error, retried after the backoff, or dead after the type's maxAttempts
 * (or at once when `permanent`, as for an SMTP 5xx).
 */
export async function nackPull(ctx: RunnerContext, id: number, token: string, reason: string, permanent = false): Promise<PullSettled> {
  const now = () => ctx.databaseNow?.();
  const error = `consumer: ${reason}`.slice(0, 4000);
  const result = await persist(() => ctx.db.transaction(async (tx): Promise<{ settled: PullSettled; type?: string; attempt?: number; retryIn?: number | null }> => {
    const held = await heldRow(tx, id, token);
    if (!held.row) return held;
    const row = held.row;
    // A type removed from the config since: nothing would retry it, so it is dead (visible, retryable by hand).
    const maxAttempts = ctx.config.events[row.eventType]?.maxAttempts ?? 0;
    const retryIn = permanent || row.attempts >= maxAttempts ? null : backoffMs(row.attempts, { baseMs: ctx.retryBaseMs, random: ctx.random });
    if (!(await markFailed(tx, id, token, error, retryIn, now(), row.messageId ?? undefined))) return { settled: { outcome: 'not_held', status: row.status } };
    return { settled: retryIn == null ? { outcome: 'dead' } : { outcome: 'failed', retryInMs: retryIn }, type: row.eventType, attempt: row.attempts, retryIn };
  }));
  const s = result.settled;
  if (s.outcome === 'failed' || s.outcome === 'dead') {
    ctx.lifecycle.emit(s.outcome === 'dead' ? 'delivery.dead' : 'delivery.failed', {
      deliveryId: id, type: result.type!, attempt: result.attempt!, stage: 'consumer', retryInMs: result.retryIn ?? null, err: error,
    });
  }
  return s;
}
