import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerEnvelope } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTransport } from '../../src/transports/create.js';
import { PermanentDeliveryError, TransportUnavailableError } from '../../src/transports/errors.js';
import { classifySmtpError, smtpTransport } from '../../src/transports/smtp.js';
import type { OutgoingMessage, Transport } from '../../src/transports/transport.js';
import { parseEml } from '../support/eml.js';

interface Received {
  raw: string;
  envelope: SMTPServerEnvelope;
  at: number;
}

const received: Received[] = [];
const codeError = (code: number, text: string) => Object.assign(new Error(text), { responseCode: code });

// The recipient picks the server's behaviour, so one server covers every case.
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  disableReverseLookup: true,
  onMailFrom(address, _session, callback) {
    // A server going down answers 421 to whatever comes next.
    callback(address.address.startsWith('closing@') ? codeError(421, '4.3.2 service shutting down') : undefined);
  },
  onRcptTo(address, _session, callback) {
    callback(address.address.startsWith('nobody@') ? codeError(550, '5.1.1 mailbox unavailable') : undefined);
  },
  onData(stream, session, callback) {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      const to = session.envelope.rcptTo[0]?.address ?? '';
      if (to.startsWith('busy@')) return callback(codeError(451, '4.3.0 try again later'));
      if (to.startsWith('reject@')) return callback(codeError(550, '5.7.1 message refused'));
      received.push({ raw: Buffer.concat(chunks).toString('utf8'), envelope: session.envelope, at: Date.now() });
      callback();
    });
  },
});

let url = '';
let closedPortUrl = '';
const transports: Transport[] = [];
const track = (t: Transport) => (transports.push(t), t);

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  // A port that was just free: connecting to it is refused.
  const probe = createNetServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedPortUrl = `smtp://127.0.0.1:${(probe.address() as AddressInfo).port}`;
  await new Promise((resolve) => probe.close(resolve));
});

afterAll(async () => {
  for (const t of transports) await t.close?.();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const message = (to: string, over: Partial<OutgoingMessage> = {}): OutgoingMessage => ({
  deliveryId: 41,
  messageId: 'delivery-41@digest.local',
  eventType: 'Purchase.Requested',
  recipient: '7',
  to,
  subject: '2 new purchase requests',
  text: 'You have 2 new purchase requests',
  html: '<p>You have <b>2</b> requests</p>',
  ...over,
});

const failure = (t: Transport, to: string) =>
  t.send(message(to)).then(
    () => expect.unreachable('send should have failed'),
    (e: unknown) => e as Error,
  );

describe('smtp transport', () => {
  it('delivers the message with its Message-ID, headers, text and html parts', async () => {
    const t = track(createTransport({ name: 'mail', kind: 'smtp', url, from: 'Shop <no-reply@shop.example>' }));
    await t.send(message('supplier@example.com'));

    const got = received.find((r) => r.envelope.rcptTo[0]?.address === 'supplier@example.com');
    expect(got?.envelope.mailFrom && got.envelope.mailFrom.address).toBe('no-reply@shop.example');
    const { headers, body } = parseEml(got!.raw.replace(/\r\n/g, '\n'));
    expect(headers.get('message-id')).toBe('<delivery-41@digest.local>');
    expect(headers.get('from')).toBe('Shop <no-reply@shop.example>');
    expect(headers.get('to')).toBe('supplier@example.com');
    expect(headers.get('subject')).toBe('2 new purchase requests');
    expect(headers.get('x-digest-event-type')).toBe('Purchase.Requested');
    expect(headers.get('content-type')).toMatch(/^multipart\/alternative/);
    expect(body).toContain('You have 2 new purchase requests');
    expect(body).toContain('<p>You have <b>2</b> requests</p>');
  });

  it('treats a 451 reply as transient, naming the code', async () => {
    const err = await failure(track(smtpTransport('mail', { url, from: 'no-reply@shop.example' })), 'busy@example.com');
    expect(err).not.toBeInstanceOf(PermanentDeliveryError);
    expect(err.message).toMatch(/^SMTP 451\b.*try again later/);
  });

  it('treats a 550 reply to the message as permanent, without the body', async () => {
    const err = await failure(track(smtpTransport('mail', { url, from: 'no-reply@shop.example' })), 'reject@example.com');
    expect(err).toBeInstanceOf(PermanentDeliveryError);
    expect(err).toMatchObject({ code: 'PERMANENT_DELIVERY' });
    expect(err.message).toMatch(/^SMTP 550\b.*message refused/);
    expect(err.message).not.toContain('purchase requests');
  });

  it('treats a recipient refused with 550 as permanent', async () => {
    const err = await failure(track(smtpTransport('mail', { url, from: 'no-reply@shop.example' })), 'nobody@example.com');
    expect(err).toBeInstanceOf(PermanentDeliveryError);
    expect(err.message).toMatch(/^SMTP 550 5\.1\.1 mailbox unavailable/);
  });

  it('reports a server that is down as unavailable (not an attempt), with the socket error code', async () => {
    const err = await failure(track(smtpTransport('mail', { url: closedPortUrl, from: 'no-reply@shop.example' })), 'a@example.com');
    expect(err).toBeInstanceOf(TransportUnavailableError);
    expect(err).toMatchObject({ code: 'TRANSPORT_UNAVAILABLE', reason: 'ECONNREFUSED' });
    expect(err.message).toBe('SMTP connection failed: ECONNREFUSED');
  });

  it('reports a 421 (the server closing the session) as unavailable, even as the reply to MAIL FROM', async () => {
    const err = await failure(track(smtpTransport('mail', { url, from: 'closing@shop.example' })), 'a@example.com');
    expect(err).toBeInstanceOf(TransportUnavailableError);
    expect(err).toMatchObject({ reason: 'SMTP 421' });
  });

  it('classifies by who answered: the session or the connection → unavailable; a reply to the message → an attempt', () => {
    const nm = (fields: Record<string, unknown>) => classifySmtpError(Object.assign(new Error('x'), fields));
    const unavailable = [
      [{ code: 'ESOCKET', originalCode: 'ECONNRESET', command: 'CONN' }, 'ECONNRESET'],
      [{ code: 'ECONNECTION', command: 'CONN' }, 'ECONNECTION'],
      [{ code: 'ETIMEDOUT', timeoutType: 'SOCKET_TIMEOUT' }, 'ETIMEDOUT'],
      [{ code: 'EDNS', originalCode: 'ENOTFOUND', command: 'CONN' }, 'ENOTFOUND'],
      [{ code: 'EDNS', originalCode: 'EAI_AGAIN', command: 'CONN' }, 'EAI_AGAIN'],
      [{ code: 'ESOCKET', originalCode: 'EHOSTUNREACH', command: 'CONN' }, 'EHOSTUNREACH'],
      [{ code: 'EAUTH', command: 'AUTH PLAIN', responseCode: 535, response: '535 bad credentials' }, 'EAUTH'],
      [{ code: 'EPROTOCOL', command: 'CONN', responseCode: 554, response: '554 no service' }, 'SMTP 554'],
    ] as const;
    for (const [fields, reason] of unavailable) {
      const err = nm(fields);
      expect(err, JSON.stringify(fields)).toBeInstanceOf(TransportUnavailableError);
      expect((err as TransportUnavailableError).reason).toBe(reason);
    }
    const transient = nm({ code: 'EMESSAGE', command: 'DATA', responseCode: 451, response: '451 later' });
    expect(transient).not.toBeInstanceOf(TransportUnavailableError);
    expect(transient).not.toBeInstanceOf(PermanentDeliveryError);
    expect(nm({ code: 'EENVELOPE', command: 'RCPT TO', responseCode: 550, response: '550 no such user' })).toBeInstanceOf(PermanentDeliveryError);
  });

  it('spaces sends by 1000/ratePerSecond ms, even when they are started together', async () => {
    const t = track(smtpTransport('mail', { url, from: 'no-reply@shop.example', ratePerSecond: 20 }));
    // Warm the pool first: a connection being set up would delay the first
    // arrival and shrink the span the server sees.
    await t.send(message('warm-up@example.com'));
    const to = [0, 1, 2, 3, 4].map((i) => `rate-${i}@example.com`);
    await Promise.all(to.map((addr, i) => t.send(message(addr, { deliveryId: 100 + i, messageId: `d${i}@digest.local` }))));

    const times = received.filter((r) => to.includes(r.envelope.rcptTo[0]?.address ?? '')).map((r) => r.at);
    expect(times).toHaveLength(5);
    // 4 gaps of 50 ms = 200 ms; a generous lower bound (timer and socket jitter), not a benchmark.
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThanOrEqual(150);
  });
});
