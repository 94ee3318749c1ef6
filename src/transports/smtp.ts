import type { ConnectionOptions } from 'node:tls';
import nodemailer, { type NodemailerError } from 'nodemailer';
import type { SmtpDkim } from '../config/types.js';
import { DKIM_SIGNED_HEADERS } from './dkim-headers.js';
import { PermanentDeliveryError, TransportUnavailableError } from './errors.js';
import { createRateLimiter } from './rate-limit.js';
import { mailMessage } from './mail-message.js';
import { replyDetail } from './reply-detail.js';
import type { OutgoingMessage, Transport } from './transport.js';

export interface SmtpTransportOptions {
  /** smtp://user:pass@host:587 or smtps://…; query options (e.g. ?tls.rejectUnauthorized=false) pass through to nodemailer. */
  url: string;
  from: string;
  ratePerSecond?: number;
  tls?: ConnectionOptions;
  /** Sign every message with this key (headers: DKIM_SIGNED_HEADERS). */
  dkim?: SmtpDkim;
}


// 5xx is final, except 503 (bad sequence of commands): that says the session
// was in the wrong state, so a fresh connection can succeed (nodemailer agrees).
const isPermanentCode = (code: number) => code >= 500 && code < 600 && code !== 503;

/** `SMTP 550 5.1.1 mailbox unavailable` — the server's reply, trimmed; never the message. */
function replyText(code: number, response?: string) {
  const text = replyDetail(response);
  return `SMTP ${text.startsWith(String(code)) ? text : `${code} ${text}`.trim()}`;
}

// Replies to these commands refuse the session (greeting, EHLO, TLS, login),
// not the message: e.g. 535 for a wrong password must not kill every delivery.
const SESSION_COMMAND = /^(CONN|EHLO|HELO|LHLO|STARTTLS|AUTH)\b/i;
// nodemailer's codes for a connection that failed before the server answered the message.
const CONNECTION_CODES = new Set(['ECONNECTION', 'ESOCKET', 'ETIMEDOUT', 'EDNS', 'ETLS', 'EPROXY', 'EAUTH', 'ENOAUTH']);

/**
 * Maps a nodemailer failure to what the runner needs to know: the server
 * never answered the message (TransportUnavailableError: pause, not an
 * attempt), refused it for good (PermanentDeliveryError) or for now (a plain,
 * transient Error).
 */
export function classifySmtpError(err: unknown): Error {
  const e = err as NodemailerError;
  const reason = e.originalCode ?? e.code ?? 'ESOCKET';
  if (typeof e.responseCode === 'number') {
    const message = replyText(e.responseCode, e.response);
    // 421 is the server closing the session; RFC 5321 allows it as the reply to any command.
    if (e.responseCode === 421 || SESSION_COMMAND.test(e.command ?? '')) {
      return new TransportUnavailableError(message, e.code === 'EAUTH' ? 'EAUTH' : `SMTP ${e.responseCode}`, { cause: err });
    }
    return isPermanentCode(e.responseCode) ? new PermanentDeliveryError(message, { cause: err }) : new Error(message, { cause: err });
  }
  if (e.code === 'ETIMEDOUT') return new TransportUnavailableError(`SMTP timed out${e.timeoutType ? ` (${e.timeoutType})` : ''}`, 'ETIMEDOUT', { cause: err });
  if (e.code && CONNECTION_CODES.has(e.code)) {
    return new TransportUnavailableError(`SMTP connection failed: ${reason}`, reason, { cause: err });
  }
  return new Error(`SMTP send failed: ${e.code ?? e.message}`, { cause: err });
}

/**
 * Sends through a pooled SMTP connection. The timeouts bound a stalled
 * server: in the worst case (connect + greeting + an idle socket, one
 * requeue) a send gives up after about a minute, which is the default lease
 * (renewed when the send starts). With a shorter DIGEST_LEASE_SECONDS a
 * stalled send can outlive its lease, and the delivery may then be re-sent
 * with the same Message-ID — the documented at-least-once case.
 */
/** Pooled connections to the relay; as many sends are in flight. */
const SMTP_CONNECTIONS = 2;

export function smtpTransport(name: string, options: SmtpTransportOptions): Transport {
  const mailer = nodemailer.createTransport({
    // Settings the url carries (host, auth, query options) win over the keys below.
    url: options.url,
    pool: true,
    maxConnections: SMTP_CONNECTIONS,
    // One requeue covers a pooled connection the server dropped while idle;
    // more would multiply the timeouts.
    maxRequeues: 1,
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 20_000,
    ...(options.tls ? { tls: options.tls } : {}),
    ...(options.dkim ? { dkim: { ...options.dkim, headerFieldNames: DKIM_SIGNED_HEADERS } } : {}),
  });
  const limiter = options.ratePerSecond ? createRateLimiter(options.ratePerSecond) : undefined;

  return {
    name,
    // Twice the pool: while one send holds a connection the next is rendered
    // and marked, so no connection waits on our database round trips.
    concurrency: 2 * SMTP_CONNECTIONS,
    async send(message: OutgoingMessage) {
      await limiter?.acquire();
      let info;
      try {
        info = await mailer.sendMail(mailMessage(options.from, message));
      } catch (err) {
        throw classifySmtpError(err);
      }
      // Some recipients refused while others took it: sent, but not to everyone.
      // A retry re-sends to the accepted ones too (same Message-ID, so they can
      // drop it): worth it for a temporary refusal only.
      const refusals = info.rejectedErrors ?? [];
      if (info.rejected.length > 0) {
        const worst = refusals.find((r) => isPermanentCode(r.responseCode ?? 0)) ?? refusals[0];
        const reply = worst?.responseCode ? replyText(worst.responseCode, worst.response) : 'SMTP recipient rejected';
        const text = `${reply} (${info.rejected.length} recipient(s) rejected)`;
        if (!worst?.responseCode || isPermanentCode(worst.responseCode)) throw new PermanentDeliveryError(text);
        throw new Error(text);
      }
    },
    async close() {
      mailer.close();
    },
  };
}
