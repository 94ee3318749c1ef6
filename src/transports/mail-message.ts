import type { SendMailOptions } from 'nodemailer';
import type { OutgoingMessage } from './transport.js';

/** RFC 5322 wants the Message-ID in angle brackets; accept ids with or without. */
const bracketed = (id: string) => (id.startsWith('<') ? id : `<${id}>`);

/**
 * RFC 8058 one-click unsubscribe: `List-Unsubscribe: <https://…/u/…>` (nodemailer's
 * `list` option writes the angle brackets) and `List-Unsubscribe-Post:
 * List-Unsubscribe=One-Click`, the body a receiver then POSTs to that URL.
 */
const ONE_CLICK = 'List-Unsubscribe=One-Click';

/** One delivery as a nodemailer message: the same MIME whether it is sent (smtp) or written (file). */
export const mailMessage = (from: string, message: OutgoingMessage): SendMailOptions => ({
  from,
  to: message.to,
  subject: message.subject ?? '',
  text: message.text,
  html: message.html,
  messageId: bracketed(message.messageId),
  headers: {
    'X-Digest-Event-Type': message.eventType,
    ...(message.unsubscribeUrl ? { 'List-Unsubscribe-Post': ONE_CLICK } : {}),
  },
  ...(message.unsubscribeUrl ? { list: { unsubscribe: message.unsubscribeUrl } } : {}),
});
