/** A rendered delivery on its way out. `messageId` is stable per delivery: the transport's idempotency key. */
export interface OutgoingMessage {
  deliveryId: number;
  messageId: string;
  eventType: string;
  recipient: string;
  to: string;
  subject?: string;
  text?: string;
  html?: string;
  /** The recipient's one-click unsubscribe link for this type (List-Unsubscribe, RFC 8058); set only when unsubscribe is configured. */
  unsubscribeUrl?: string;
}

export interface Transport {
  readonly name: string;
  /**
   * Sends it can have in flight at once: a page's deliveries go out this
   * many at a time, and their marks are committed together. Unset: 4.
   */
  readonly concurrency?: number;
  send(message: OutgoingMessage): Promise<void>;
  /**
   * Sends several messages in one call (one write, one request) instead of a
   * round trip each. Resolves to one settled result per message, in order; it
   * does not reject: a failure of the whole call is every message's rejection.
   * A rejected result fails only its own delivery, and its reason is what
   * `send` would have thrown for that message (PermanentDeliveryError,
   * TransportUnavailableError, any other Error for a retry). Each message
   * keeps its own stable `messageId`, so a re-sent batch stays deduplicable.
   * Absent: the runner calls `send` per message.
   */
  sendBatch?(messages: readonly OutgoingMessage[]): Promise<Array<PromiseSettledResult<void>>>;
  /** Most messages per `sendBatch` call (the runner slices a page by it); read only with `sendBatch`. */
  readonly batchSize?: number;
  close?(): Promise<void>;
}
