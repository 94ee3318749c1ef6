import type { OutstandingRecipient } from '../store/event-claims.js';

/**
 * A claim page holds about this many events at most, so a scheduler's memory
 * is bounded by the page, not by the backlog's size or shape (a million
 * events for ten recipients reads like a million for ten thousand).
 */
export const MAX_EVENTS_PER_PAGE = 5_000;

/**
 * The leading recipients whose events fit the page; always at least one.
 * Each counts for at most `perRecipient` events (what one delivery takes).
 */
export function fitPage<T extends Pick<OutstandingRecipient, 'outstanding'>>(
  candidates: readonly T[], perRecipient: number, maxEvents = MAX_EVENTS_PER_PAGE,
): T[] {
  let used = 0;
  let n = 0;
  for (const c of candidates) {
    const cost = Math.min(c.outstanding, perRecipient);
    if (n > 0 && used + cost > maxEvents) break;
    used += cost;
    n++;
  }
  return candidates.slice(0, n);
}

/** Candidates read for a run's first page (recipients, with their counts). */
export const FIRST_CANDIDATES = 128;

/**
 * How many candidates the next page of a run reads. Counting a recipient's
 * outstanding events walks its index entries, so reading `batchSize`
 * candidates (1,000 by default) to fill a page that takes 25 of them (200
 * events each) counted 40 times the events the page used: a sixth of a
 * digest drain's time. The next page asks for half again as many as this one
 * took when the event budget cut it, twice as many when every candidate fit.
 */
export function nextCandidates(read: number, taken: number, batchSize: number): number {
  const wanted = taken < read ? taken + Math.ceil(taken / 2) + 1 : read * 2;
  return Math.max(1, Math.min(batchSize, wanted));
}
