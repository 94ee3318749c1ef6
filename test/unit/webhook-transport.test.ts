import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTransport } from '../../src/transports/create.js';
import { PermanentDeliveryError, TransportUnavailableError } from '../../src/transports/errors.js';
import type { OutgoingMessage } from '../../src/transports/transport.js';
import { webhookTransport } from '../../src/transports/webhook.js';

const received: Array<{ url: string; headers: IncomingHttpHeaders; body: string }> = [];

// The path picks the answer: /ok → 204, /status/N → N, /hang → never answers.
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    received.push({ url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
    if (req.url === '/hang') return;
    const status = req.url === '/ok' ? 204 : Number(req.url?.split('/')[2]);
    res.writeHead(status, { 'content-type': 'text/plain' });
    res.end(status === 400 ? `bad payload: ${'x'.repeat(300)}` : '');
  });
});

let base = '';
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections(); // the /hang request is still open
  await new Promise((resolve) => server.close(resolve));
});

const message: OutgoingMessage = {
  deliveryId: 9,
  messageId: 'delivery-9@digest.local',
  eventType: 'Order.Created',
  recipient: 'ann@shop.example',
  to: 'ann@shop.example',
  subject: 'Your order #42',
  text: 'Sending receipt to ann@shop.example for order #42...',
  html: '<p>order #42</p>',
};

const failure = (url: string, timeoutMs = 5_000) =>
  webhookTransport('hook', { url, timeoutMs }).send(message).then(
    () => expect.unreachable('send should have failed'),
    (e: unknown) => e as Error,
  );

describe('webhook transport', () => {
  it('POSTs the delivery as JSON with an Idempotency-Key and a verifiable signature', async () => {
    const before = Math.floor(Date.now() / 1000);
    const t = createTransport({ name: 'hook', kind: 'webhook', url: `${base}/ok`, secret: 's3cret', timeoutMs: 5_000 });
    await t.send(message);

    const got = received.find((r) => r.url === '/ok');
    expect(got).toBeDefined();
    expect(JSON.parse(got!.body)).toEqual({ ...message });
    expect(got!.headers['content-type']).toBe('application/json');
    expect(got!.headers['idempotency-key']).toBe('delivery-9@digest.local');
    expect(got!.headers['user-agent']).toBe('digest');

    const timestamp = Number(got!.headers['x-digest-timestamp']);
    expect(timestamp).toBeGreaterThanOrEqual(before);
    expect(timestamp).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    const expected = createHmac('sha256', 's3cret').update(`${timestamp}.${got!.body}`).digest('hex');
    expect(got!.headers['x-digest-signature']).toBe(`sha256=${expected}`);
  });

  it('sends no signature headers without a secret', async () => {
    await webhookTransport('hook', { url: `${base}/ok`, timeoutMs: 5_000 }).send({ ...message, deliveryId: 10 });
    const got = received.find((r) => r.url === '/ok' && JSON.parse(r.body).deliveryId === 10);
    expect(got?.headers['x-digest-signature']).toBeUndefined();
    expect(got?.headers['x-digest-timestamp']).toBeUndefined();
  });

  it('treats 500 as transient', async () => {
    const err = await failure(`${base}/status/500`);
    expect(err).not.toBeInstanceOf(PermanentDeliveryError);
    expect(err.message).toBe('webhook 500');
  });

  it('treats 429 (and 408) as transient', async () => {
    for (const status of [429, 408]) {
      const err = await failure(`${base}/status/${status}`);
      expect(err).not.toBeInstanceOf(PermanentDeliveryError);
      expect(err.message).toBe(`webhook ${status}`);
    }
  });

  it('treats 400 as permanent, quoting the first 200 characters of the answer', async () => {
    const err = await failure(`${base}/status/400`);
    expect(err).toBeInstanceOf(PermanentDeliveryError);
    expect(err.message).toBe(`webhook 400: ${`bad payload: ${'x'.repeat(300)}`.slice(0, 200)}`);
  });

  it('gives up on a server that never answers after timeoutMs, as a transient error', async () => {
    const started = Date.now();
    const err = await failure(`${base}/hang`, 200);
    expect(err).not.toBeInstanceOf(PermanentDeliveryError);
    // The request reached the receiver: an attempt, not an outage.
    expect(err).not.toBeInstanceOf(TransportUnavailableError);
    expect(err.message).toBe('webhook timed out after 200 ms');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('reports a refused connection as unavailable (not an attempt)', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/`;
    await new Promise((resolve) => closed.close(resolve));
    const err = await failure(url);
    expect(err).toBeInstanceOf(TransportUnavailableError);
    expect(err).toMatchObject({ reason: 'ECONNREFUSED' });
    expect(err.message).toBe('webhook request failed: ECONNREFUSED');
  });

  it('reports a name that does not resolve as unavailable', async () => {
    const err = await failure('http://digest-test.invalid/hook');
    expect(err).toBeInstanceOf(TransportUnavailableError);
    expect(['ENOTFOUND', 'EAI_AGAIN']).toContain((err as TransportUnavailableError).reason);
  });
});
