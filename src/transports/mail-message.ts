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

/** What a mail's header fields are made of: a message before (or without) its delivery. */
export type MailFields = Pick<OutgoingMessage, 'to' | 'subject' | 'eventType' | 'unsubscribeUrl'>;

/**
 * The header fields digest itself sets on a mail, unencoded, in the order
 * they are written: what a preview shows (runner/preview.ts) and what
 * `mailMessage` hands the composer. Not here: Date (the composer's clock at
 * send), Message-ID (the delivery's, runner/message-id.ts), and the MIME
 * structure fields (MIME-Version, Content-Type with its random boundary,
 * Content-Transfer-Encoding) and a DKIM signature, which are the composer's.
 */
export function mailHeaderFields(from: string, message: MailFields): Record<string, string> {
  return {
    From: from,
    To: message.to,
    Subject: message.subject ?? '',
    'X-Digest-Event-Type': message.eventType,
    ...(message.unsubscribeUrl ? { 'List-Unsubscribe': `<${message.unsubscribeUrl}>`, 'List-Unsubscribe-Post': ONE_CLICK } : {}),
  };
}

/** One delivery as a nodemailer message: the same MIME whether it is sent (smtp) or written (file). */
export function mailMessage(from: string, message: OutgoingMessage): SendMailOptions {
  const fields = mailHeaderFields(from, message);
  return {
    from: fields.From,
    to: fields.To,
    subject: fields.Subject,
    text: message.text,
    html: message.html,
    messageId: bracketed(message.messageId),
    headers: {
      'X-Digest-Event-Type': fields['X-Digest-Event-Type']!,
      ...(fields['List-Unsubscribe-Post'] ? { 'List-Unsubscribe-Post': fields['List-Unsubscribe-Post'] } : {}),
    },
    // nodemailer writes this one itself (in angle brackets, as above).
    ...(message.unsubscribeUrl ? { list: { unsubscribe: message.unsubscribeUrl } } : {}),
  };
}
