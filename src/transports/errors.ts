import { DigestError } from '../errors.js';

/**
 * Thrown by a transport when retrying cannot help: the remote side refused
 * this message for good (SMTP 5xx, webhook 4xx other than 408/429). The runner
 * sends such a delivery straight to `dead` with this message as the reason;
 * any other error counts as transient and is retried with backoff. The
 * runner throws it too for a stored row that can never render (invalid JSON,
 * a blank recipient).
 *
 * The message carries the remote reply (`SMTP 550 5.1.1 mailbox unavailable`,
 * `webhook 400: …`), never the message body: it ends up in the database and logs.
 */
export class PermanentDeliveryError extends DigestError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('PERMANENT_DELIVERY', message, options);
  }
}

/**
 * Thrown by a transport when the remote side never answered the message:
 * the connection was refused, reset or timed out, the name did not resolve,
 * the session was refused before the message (SMTP greeting, login, 421).
 * Says nothing about this message, so it is not an attempt: the runner
 * pauses the transport and keeps the delivery waiting (runner/transport-circuit.ts).
 * `reason` is a short code for logs and metrics (`ECONNREFUSED`, `SMTP 421`).
 */
export class TransportUnavailableError extends DigestError {
  constructor(message: string, readonly reason: string, options?: { cause?: unknown }) {
    super('TRANSPORT_UNAVAILABLE', message, options);
  }
}

export const isTransportUnavailable = (err: unknown): err is TransportUnavailableError =>
  err instanceof DigestError && err.code === 'TRANSPORT_UNAVAILABLE';
