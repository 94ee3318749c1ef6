import { createHmac } from 'node:crypto';
import { allFailed } from './batch-results.js';
import { PermanentDeliveryError, TransportUnavailableError } from './errors.js';
import { replyDetail } from './reply-detail.js';
import type { OutgoingMessage, Transport } from './transport.js';
import { batchIdempotencyKey, batchResults, DEFAULT_WEBHOOK_BATCH_SIZE } from './webhook-batch.js';

export interface WebhookTransportOptions {
  url: string;
  secret?: string;
  timeoutMs: number;
  /** Requests in flight at once (`concurrency:` in the schedules file, default 8). */
  concurrency?: number;
  /** POST a JSON array of deliveries per request (`batch: true`): the transport then has `sendBatch`. */
  batch?: boolean;
  /** Deliveries per batch request (`batchSize:`, default 100); read only with `batch`. */
  batchSize?: number;
}

/**
 * Signature scheme (when `secret` is set), modelled on Stripe/Slack:
 *   X-Digest-Timestamp: <unix seconds>
 *   X-Digest-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>
 * The receiver recomputes the HMAC over the raw body bytes, compares in
 * constant time, and rejects stale timestamps (e.g. > 5 min) to stop replays.
 */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

// 408 and 429 ask us to come back later; every other 4xx will fail the same way again.
const isPermanentStatus = (status: number) => status >= 400 && status < 500 && status !== 408 && status !== 429;

/** The JSON object a delivery is POSTed as: the whole body of a single send, one item of a batch. */
const payloadOf = ({ deliveryId, messageId, eventType, recipient, to, subject, text, html, unsubscribeUrl }: OutgoingMessage) =>
  // unsubscribeUrl: for a receiver that sends the mail itself and sets List-Unsubscribe from it.
  ({ deliveryId, messageId, eventType, recipient, to, subject, text, html, ...(unsubscribeUrl ? { unsubscribeUrl } : {}) });

/**
 * POSTs each delivery as JSON; `Idempotency-Key` is the stable messageId so the receiver can drop re-sends.
 * With `batch`, `sendBatch` POSTs an array of them in one request (webhook-batch.ts). The answer to a
 * batch request is read as for a single one, for every message of it: 2xx sent (unless its body
 * reports per message), a 4xx other than 408/429 rejected for good, any other status or our timeout
 * retried, no answer at all the transport unavailable.
 */
export function webhookTransport(name: string, options: WebhookTransportOptions): Transport {
  /** POSTs one body, signed; resolves to a 2xx answer's text, throws what `send` throws. */
  async function post(body: string, idempotencyKey: string): Promise<string> {
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'Idempotency-Key': idempotencyKey,
      'User-Agent': 'digest',
    };
    if (options.secret) {
      const timestamp = Math.floor(Date.now() / 1000);
      headers['X-Digest-Timestamp'] = String(timestamp);
      headers['X-Digest-Signature'] = signWebhook(options.secret, timestamp, body);
    }

    let response: Response;
    let responseText = '';
    try {
      response = await fetch(options.url, {
        method: 'POST',
        headers,
        body,
        // Never re-POST a signed payload to wherever a redirect points; a 3xx is reported instead.
        redirect: 'manual',
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      // Read (or drain) the body under the same deadline, so the socket is freed.
      responseText = await response.text();
    } catch (err) {
      throw fetchFailure(err, options.timeoutMs);
    }
    if (response.ok) return responseText;
    if (isPermanentStatus(response.status)) {
      const detail = replyDetail(responseText);
      throw new PermanentDeliveryError(`webhook ${response.status}${detail ? `: ${detail}` : ''}`);
    }
    throw new Error(`webhook ${response.status}`);
  }

  const single: Transport = {
    name,
    concurrency: options.concurrency ?? 8,
    async send(message: OutgoingMessage) {
      await post(JSON.stringify(payloadOf(message)), message.messageId);
    },
  };
  // Without `batch` the receiver expects one object per request: no sendBatch, so the runner sends one by one.
  if (!options.batch) return single;
  return {
    ...single,
    batchSize: options.batchSize ?? DEFAULT_WEBHOOK_BATCH_SIZE,
    async sendBatch(messages) {
      if (messages.length === 0) return [];
      let answer: string;
      try {
        answer = await post(JSON.stringify(messages.map(payloadOf)), batchIdempotencyKey(messages));
      } catch (err) {
        return allFailed(messages.length, err);
      }
      return batchResults(messages, answer);
    },
  };
}

/**
 * Our own timeout counts as an attempt: the request may have reached the
 * receiver, which is slow with this message. Any other fetch failure (refused,
 * reset, DNS, undici's connect timeout) means nobody answered: the transport
 * is unavailable, which is not an attempt (runner/transport-circuit.ts).
 */
function fetchFailure(err: unknown, timeoutMs: number): Error {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') {
    return new Error(`webhook timed out after ${timeoutMs} ms`, { cause: err });
  }
  const reason = e.cause?.code ?? e.cause?.message ?? e.message;
  return new TransportUnavailableError(`webhook request failed: ${reason}`, e.cause?.code ?? 'network', { cause: err });
}
