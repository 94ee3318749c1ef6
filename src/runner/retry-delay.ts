import { quietUntil } from '../recipients/local-times.js';
import { selectRecipientsByKeys } from '../store/recipients.js';
import type { ClaimedDelivery } from '../types.js';
import { isUrgent } from '../urgency.js';
import { type RunnerContext, typeConfig } from './context.js';
import { resolveSettings } from './recipient-settings.js';

/**
 * How long a failed delivery waits before its retry: the backoff, unless
 * that lands inside the recipient's quiet hours — then until they end, as
 * the claim holds a first send (recipients/timing.ts). A transient SMTP
 * error at 21:59 must not become a message at 22:01. Urgent events do not
 * wait. The profile is read here, on the failure path only: a send that
 * succeeds asks nothing more. If it cannot be read, the backoff stands (the
 * failure is being recorded; a missing profile must not stop that).
 */
export async function retryDelay(ctx: RunnerContext, d: ClaimedDelivery, backoffMs: number): Promise<number> {
  const cfg = typeConfig(ctx, d.eventType);
  if (cfg.urgent != null && d.events.some((e) => !e.problem && isUrgent(cfg.urgent, e.payload))) return backoffMs;
  try {
    const profile = (await selectRecipientsByKeys(ctx.db, [d.recipient])).get(d.recipient);
    if (!profile?.quietHours) return backoffMs;
    const now = ctx.databaseNow?.() ?? new Date();
    const zone = resolveSettings(ctx.config, d.eventType, profile, d.events).timeZone;
    const end = quietUntil(profile.quietHours, zone, new Date(now.getTime() + backoffMs));
    return end ? Math.max(backoffMs, end.getTime() - now.getTime()) : backoffMs;
  } catch {
    return backoffMs;
  }
}
