import type { SendMailOptions } from 'nodemailer';
import type { OutgoingMessage } from './transport.js';

/** RFC 5322 wants the Message-ID in angle brackets; accept ids with or without. */
const bracketed = (id: string) => (id.startsWith('<') ? id : `<${id}>`);

/** One delivery as a nodemailer message: the same MIME whether it is sent (smtp) or written (file). */
export const mailMessage = (from: string, message: OutgoingMessage): SendMailOptions => ({
  from,
  to: message.to,
  subject: message.subject ?? '',
  text: message.text,
  html: message.html,
  messageId: bracketed(message.messageId),
  headers: { 'X-Digest-Event-Type': message.eventType },
});
