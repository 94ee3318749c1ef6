import type { EventState } from '../types.js';

/**
 * An event's state is its delivery's: unclaimed → outstanding; pending/sending
 * → claimed; then sent, failed (will retry), dead, suppressed (processed, but
 * nothing was sent: the address is suppressed or the type turned off) or
 * cancelled (processed, never sent: cancelled while outstanding).
 */
export function eventState(e: { deliveryId: number | null; deliveryStatus: string | null; processedAt: unknown }): EventState {
  if (e.deliveryStatus === 'suppressed') return 'suppressed';
  if (e.deliveryStatus === 'cancelled') return 'cancelled';
  if (e.processedAt) return 'sent';
  if (e.deliveryId == null) return 'outstanding';
  switch (e.deliveryStatus) {
    case 'sent': return 'sent';
    case 'failed': return 'failed';
    case 'dead': return 'dead';
    default: return 'claimed';
  }
}
