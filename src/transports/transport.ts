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
}

export interface Transport {
  readonly name: string;
  /**
   * Sends it can have in flight at once: a page's deliveries go out this
   * many at a time, and their marks are committed together. Unset: 4.
   */
  readonly concurrency?: number;
  send(message: OutgoingMessage): Promise<void>;
  close?(): Promise<void>;
}
