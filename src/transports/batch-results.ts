/**
 * The settled results a `sendBatch` resolves to when the whole batch shares
 * one outcome (one write, one request): kept in one place so every transport
 * answers a batch the same way.
 */

const SENT: PromiseFulfilledResult<void> = { status: 'fulfilled', value: undefined };

/** Every message of the batch went out. */
export const allSent = (count: number): Array<PromiseSettledResult<void>> => Array.from({ length: count }, () => SENT);

/** Every message of the batch failed with the same reason (what `send` would have thrown). */
export const allFailed = (count: number, reason: unknown): Array<PromiseSettledResult<void>> =>
  Array.from({ length: count }, (): PromiseRejectedResult => ({ status: 'rejected', reason }));
