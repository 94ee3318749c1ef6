import { createHmac } from 'node:crypto';
import { PermanentDeliveryError, TransportUnavailableError } from './errors.js';
import type { OutgoingMessage, Transport } from './transport.js';

export interface WebhookTransportOptions {
  url: string;
  secret?: string;
  timeoutMs: number;
  /** Requests in flight at once (`concurrency:` in the schedules file, default 8). */
  concurrency?: number;
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

/** POSTs each delivery as JSON; `Idempotency-Key` is the stable messageId so the receiver can drop re-sends. */
export function webhookTransport(name: string, options: WebhookTransportOptions): Transport {
  return {
    name,
    concurrency: options.concurrency ?? 8,
    async send(message: OutgoingMessage) {
      const { deliveryId, messageId, eventType, recipient, to, subject, text, html } = message;
      const body = JSON.stringify({ deliveryId, messageId, eventType, recipient, to, subject, text, html });
      const headers: Record<string, string> = {
        'Content-Type': 'application/json',
        'Idempotency-Key': messageId,
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
      if (response.ok) return;
      if (isPermanentStatus(response.status)) {
        const detail = responseText.replace(/\s+/g, ' ').trim().slice(0, 200);
        throw new PermanentDeliveryError(`webhook ${response.status}${detail ? `: ${detail}` : ''}`);
      }
      throw new Error(`webhook ${response.status}`);
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
