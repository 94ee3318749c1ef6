/**
 * The header fields a stored delivery went out (or goes out) with, for the
 * dashboard's "message as sent" view: derived again from the row and the
 * config, as the send derives them (transports/mail-message.ts for the mail
 * kinds, runner/pull.ts for the others) — the headers are not stored.
 */
import type { DigestConfig } from '../config/types.js';
import type { DeliveryRow } from '../store/delivery-row.js';
import { mailHeaderFields } from '../transports/mail-message.js';
import { unsubscribeFields } from '../unsubscribe/link.js';

export function deliveryHeaders(config: DigestConfig, d: DeliveryRow): Record<string, string> {
  const transport = config.transports[d.transport];
  const from = transport && (transport.kind === 'smtp' || transport.kind === 'file') ? transport.from : undefined;
  const unsubscribe = unsubscribeFields(config, { recipient: d.recipient, type: d.eventType });
  const to = d.address ?? d.recipient;
  const fields = from !== undefined
    ? mailHeaderFields(from, { to, subject: d.subject ?? undefined, eventType: d.eventType, ...unsubscribe })
    : {
        'X-Digest-Event-Type': d.eventType,
        ...(unsubscribe.unsubscribeUrl
          ? { 'List-Unsubscribe': `<${unsubscribe.unsubscribeUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' } : {}),
      };
  // The Message-ID is stored at the send's mark (null until the first attempt).
  return { ...(d.messageId ? { 'Message-ID': d.messageId } : {}), ...fields };
}
