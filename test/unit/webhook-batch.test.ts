/** The webhook's `batch: true` mode: one signed request with an array body, its answer read for every message. */
import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTransport } from '../../src/transports/create.js';
import { PermanentDeliveryError, TransportUnavailableError } from '../../src/transports/errors.js';
import type { OutgoingMessage } from '../../src/transports/transport.js';
import { batchIdempotencyKey } from '../../src/transports/webhook-batch.js';
import { webhookTransport } from '../../src/transports/webhook.js';

const received: Array<{ url: string; headers: IncomingHttpHeaders; body: string }> = [];

// The path picks the answer: /ok → 204, /status/N → N, /results → 200 with a per-message
// body: the second item failed, the third rejected, the rest not listed.
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    received.push({ url: req.url ?? '', headers: req.headers, body });
    // The query only tells the tests' requests apart.
    const path = (req.url ?? '').split('?')[0];
    if (path === '/results') {
      const items = JSON.parse(body) as Array<{ messageId: string }>;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ results: [
        { messageId: items[0]!.messageId, status: 'sent' },
        { messageId: items[1]!.messageId, status: 'failed', error: 'busy' },
        { messageId: items[2]!.messageId, status: 'rejected', error: `no such\n recipient ${'x'.repeat(300)}` },
      ] }));
      return;
    }
    const status = path === '/ok' ? 204 : Number(path?.split('/')[2]);
    res.writeHead(status, { 'content-type': 'text/plain' });
    res.end(status === 400 ? 'bad payload' : '');
  });
});

let base = '';
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const message = (id: number): OutgoingMessage => ({
  deliveryId: id,
  messageId: `delivery-${id}@digest.local`,
  eventType: 'Order.Created',
  recipient: `r${id}`,
  to: `r${id}@shop.example`,
  subject: `Your order #${id}`,
  text: `order #${id}`,
  html: `<p>order #${id}</p>`,
});
const batch = [message(1), message(2), message(3), message(4)];

const batchHook = (path: string, extra: { secret?: string; batchSize?: number; timeoutMs?: number } = {}) =>
  webhookTransport('hook', { url: `${base}${path}`, timeoutMs: 5_000, batch: true, ...extra });

const reasons = (results: Array<PromiseSettledResult<void>>) =>
  results.map((r) => (r.status === 'rejected' ? (r.reason as Error) : undefined));

describe('webhook sendBatch', () => {
  it('POSTs the batch as one JSON array of the single-send objects, signed over the raw array body', async () => {
    const before = Math.floor(Date.now() / 1000);
    const t = createTransport({ name: 'hook', kind: 'webhook', url: `${base}/ok?one`, secret: 's3cret', timeoutMs: 5_000, batch: true, batchSize: 50 });
    const results = await t.sendBatch!(batch);

    expect(results).toEqual(batch.map(() => ({ status: 'fulfilled', value: undefined })));
    const got = received.filter((r) => r.url === '/ok?one');
    expect(got).toHaveLength(1);
    expect(JSON.parse(got[0]!.body)).toEqual(batch);
    expect(got[0]!.headers['content-type']).toBe('application/json');

    const timestamp = Number(got[0]!.headers['x-digest-timestamp']);
    expect(timestamp).toBeGreaterThanOrEqual(before);
    const expected = createHmac('sha256', 's3cret').update(`${timestamp}.${got[0]!.body}`).digest('hex');
    expect(got[0]!.headers['x-digest-signature']).toBe(`sha256=${expected}`);
    expect(t.batchSize).toBe(50);
  });

  it('keys the request by its messageIds: the same messages give the same Idempotency-Key, others another', async () => {
    await batchHook('/ok?key').sendBatch!(batch);
    await batchHook('/ok?key').sendBatch!(batch);
    await batchHook('/ok?key').sendBatch!(batch.slice(1));
    const keys = received.filter((r) => r.url === '/ok?key').map((r) => r.headers['idempotency-key']);
    const sha = createHash('sha256').update(batch.map((m) => m.messageId).join('\n')).digest('hex');
    expect(keys).toEqual([sha, sha, batchIdempotencyKey(batch.slice(1))]);
    expect(keys[2]).not.toBe(sha);
  });

  it('rejects every message for good on a 4xx (other than 408/429), quoting the answer', async () => {
    const results = await batchHook('/status/400').sendBatch!(batch);
    for (const reason of reasons(results)) {
      expect(reason).toBeInstanceOf(PermanentDeliveryError);
      expect(reason?.message).toBe('webhook 400: bad payload');
    }
    expect(results).toHaveLength(batch.length);
  });

  it('rejects every message for a retry on a 503 and on 429', async () => {
    for (const status of [503, 429]) {
      const results = await batchHook(`/status/${status}`).sendBatch!(batch);
      expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected']);
      for (const reason of reasons(results)) {
        expect(reason).not.toBeInstanceOf(PermanentDeliveryError);
        expect(reason).not.toBeInstanceOf(TransportUnavailableError);
        expect(reason?.message).toBe(`webhook ${status}`);
      }
    }
  });

  it('reports a refused connection as unavailable for every message', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/`;
    await new Promise((resolve) => closed.close(resolve));
    const results = await webhookTransport('hook', { url, timeoutMs: 5_000, batch: true }).sendBatch!(batch);
    expect(results).toHaveLength(batch.length);
    for (const reason of reasons(results)) {
      expect(reason).toBeInstanceOf(TransportUnavailableError);
      expect(reason).toMatchObject({ reason: 'ECONNREFUSED' });
    }
  });

  it('fails single messages a 2xx answer reports as failed (retried) or rejected (permanent); unlisted ones are sent', async () => {
    const [sent, failed, rejected, unlisted] = await batchHook('/results').sendBatch!(batch);
    expect(sent).toEqual({ status: 'fulfilled', value: undefined });
    expect(unlisted).toEqual({ status: 'fulfilled', value: undefined });
    const retry = (failed as PromiseRejectedResult).reason as Error;
    expect(retry).not.toBeInstanceOf(PermanentDeliveryError);
    expect(retry.message).toBe('webhook batch item failed: busy');
    const dead = (rejected as PromiseRejectedResult).reason as Error;
    expect(dead).toBeInstanceOf(PermanentDeliveryError);
    expect(dead.message).toBe(`webhook batch item rejected: ${`no such recipient ${'x'.repeat(300)}`.slice(0, 200)}`);
  });

  it('has no sendBatch without batch: true, and a batchSize of 100 by default with it', () => {
    const single = createTransport({ name: 'hook', kind: 'webhook', url: `${base}/ok`, timeoutMs: 5_000 });
    expect(single.sendBatch).toBeUndefined();
    expect(single.batchSize).toBeUndefined();
    expect(batchHook('/ok').batchSize).toBe(100);
  });
});
