/**
 * The webhook's batch protocol (`batch: true`): one POST carries a JSON array
 * of the objects a single send posts. What is not plain HTTP lives here: the
 * request's Idempotency-Key and the per-message answer a receiver may give.
 */
import { createHash } from 'node:crypto';
import { allSent } from './batch-results.js';
import { PermanentDeliveryError } from './errors.js';
import { replyDetail } from './reply-detail.js';
import type { OutgoingMessage } from './transport.js';

/** Deliveries per batch request when `batchSize` is not set. */
export const DEFAULT_WEBHOOK_BATCH_SIZE = 100;

/**
 * A batch request's `Idempotency-Key`: the sha256 hex of its messageIds
 * joined by "\n", so an exact replay of a request (a re-send after a timeout)
 * carries the same key. A retried batch may be composed differently (some of
 * its messages sent meanwhile, others joined): receivers dedupe by each
 * item's own `messageId`, which never changes; this key is only a shortcut.
 */
export const batchIdempotencyKey = (messages: readonly OutgoingMessage[]): string =>
  createHash('sha256').update(messages.map((m) => m.messageId).join('\n')).digest('hex');

interface ItemResult {
  messageId: string;
  status: string;
  error?: unknown;
}

const isItemResult = (v: unknown): v is ItemResult =>
  typeof v === 'object' && v !== null && typeof (v as ItemResult).messageId === 'string' && typeof (v as ItemResult).status === 'string';

/** The `results` of a 2xx answer, by messageId; none when the answer is not such JSON. */
function itemResults(answer: string): Map<string, ItemResult> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(answer);
  } catch {
    return new Map();
  }
  const results = (parsed as { results?: unknown } | null)?.results;
  return new Map(Array.isArray(results) ? results.filter(isItemResult).map((r) => [r.messageId, r]) : []);
}

/**
 * What a 2xx answer to a batch means for each message. A 2xx sends every
 * message unless its body reports per message:
 *   {"results":[{"messageId":"…","status":"sent"|"failed"|"rejected","error":"…"}]}
 * "rejected" is permanent (as a 4xx for a single send), "failed" and any
 * other status are retried (at-least-once: an answer we cannot read must not
 * lose a message); a message not listed counts as sent.
 */
export function batchResults(messages: readonly OutgoingMessage[], answer: string): Array<PromiseSettledResult<void>> {
  const byId = itemResults(answer);
  if (byId.size === 0) return allSent(messages.length);
  return messages.map((m): PromiseSettledResult<void> => {
    const r = byId.get(m.messageId);
    if (r === undefined || r.status === 'sent') return { status: 'fulfilled', value: undefined };
    const detail = replyDetail(typeof r.error === 'string' ? r.error : '');
    const message = `webhook batch item ${replyDetail(r.status)}${detail ? `: ${detail}` : ''}`;
    return { status: 'rejected', reason: r.status === 'rejected' ? new PermanentDeliveryError(message) : new Error(message) };
  });
}
