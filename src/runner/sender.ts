import type { OutgoingMessage, Transport } from '../transports/transport.js';
import { groupCommit } from './commit.js';

/** Messages per sendBatch call for a transport that can batch but does not say how many. */
export const DEFAULT_BATCH_SIZE = 100;

/** Sends one message; resolves once the transport took it, rejects with what it said. */
export type Send = (message: OutgoingMessage) => Promise<void>;

/**
 * How one deliverAll call sends through `transport`. A transport that can
 * send a batch (console, file, webhook with `batch: true`) gets the messages
 * of the deliveries in flight in one call, the way their marks are
 * group-committed: messages that come due while a batch is out go together
 * in the next one, at most `batchSize` each. Each delivery still gets its
 * own result (a rejected one fails only itself).
 */
export function senderFor(transport: Transport): Send {
  const sendBatch = transport.sendBatch?.bind(transport);
  if (!sendBatch) return (message) => transport.send(message);
  const batch = groupCommit((messages: OutgoingMessage[]) => sendBatch(messages), transport.batchSize ?? DEFAULT_BATCH_SIZE);
  return async (message) => {
    const result = await batch(message);
    if (result.status === 'rejected') throw result.reason;
  };
}

/**
 * Sends in flight at once: the transport's concurrency; for one that sends
 * batches, enough for a batch to fill while the one before it is out.
 */
export function inFlight(transport: Transport | undefined, fallback: number): number {
  const concurrency = transport?.concurrency ?? fallback;
  return transport?.sendBatch ? Math.max(concurrency, 2 * (transport.batchSize ?? DEFAULT_BATCH_SIZE)) : concurrency;
}
