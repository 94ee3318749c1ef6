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
export function fitPage(
  candidates: readonly OutstandingRecipient[], perRecipient: number, maxEvents = MAX_EVENTS_PER_PAGE,
): OutstandingRecipient[] {
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
