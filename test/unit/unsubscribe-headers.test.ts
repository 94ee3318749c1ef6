/**
 * The RFC 8058 headers through a real SMTP server and in a written .eml, and
 * DKIM: the signature covers List-Unsubscribe and List-Unsubscribe-Post
 * (RFC 8058 §4) and verifies with the public key.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTransport } from '../../src/transports/create.js';
import type { OutgoingMessage, Transport } from '../../src/transports/transport.js';
import { verifyDkim } from '../support/dkim-verify.js';
import { parseEml } from '../support/eml.js';
import { startSmtpServer } from '../support/smtp-server.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const URL_ = `https://digest.shop.example/u/${'A'.repeat(120)}.${'b'.repeat(43)}`;

let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
const transports: Transport[] = [];

beforeAll(async () => {
  smtp = await startSmtpServer();
});
afterAll(async () => {
  for (const t of transports) await t.close?.();
  await smtp.close();
});

const message = (to: string, over: Partial<OutgoingMessage> = {}): OutgoingMessage => ({
  deliveryId: 7, messageId: `delivery-7-${to}@digest.local`, eventType: 'Purchase.Responded', recipient: to, to,
  subject: 'Your suppliers answered', text: 'Two suppliers answered.  \n\n', html: '<p>Two suppliers answered.</p>', unsubscribeUrl: URL_, ...over,
});

async function sendThrough(dkim: boolean, to: string, over: Partial<OutgoingMessage> = {}): Promise<string> {
  const t = createTransport({
    name: 'mail', kind: 'smtp', url: smtp.url, from: 'Shop <no-reply@shop.example>',
    ...(dkim ? { dkim: { domainName: 'shop.example', keySelector: 'mail2026', privateKey: pem } } : {}),
  });
  transports.push(t);
  await t.send(message(to, over));
  const got = smtp.state.accepted.find((a) => a.to[0] === to);
  expect(got).toBeDefined();
  return got!.raw;
}

describe('smtp: one-click unsubscribe headers and DKIM', () => {
  it('a message with an unsubscribe link carries both RFC 8058 headers, exactly', async () => {
    const raw = await sendThrough(false, 'plain@example.com');
    const { headers } = parseEml(raw.replace(/\r\n/g, '\n'));
    expect(headers.get('list-unsubscribe')).toBe(`<${URL_}>`);
    expect(headers.get('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    expect(raw).not.toMatch(/^DKIM-Signature:/mi);
  });

  it('a message without one carries neither', async () => {
    const raw = await sendThrough(false, 'nolink@example.com', { unsubscribeUrl: undefined });
    expect(raw).not.toMatch(/^List-Unsubscribe/mi);
  });

  it('is DKIM-signed over List-Unsubscribe and List-Unsubscribe-Post, and the signature verifies', async () => {
    const raw = await sendThrough(true, 'signed@example.com');
    const check = verifyDkim(raw, publicKey);
    expect(check.tags.get('d')).toBe('shop.example');
    expect(check.tags.get('s')).toBe('mail2026');
    expect(check.tags.get('a')).toBe('rsa-sha256');
    const h = check.tags.get('h')!.toLowerCase().split(':');
    expect(h).toEqual(expect.arrayContaining(['from', 'to', 'subject', 'message-id', 'list-unsubscribe', 'list-unsubscribe-post']));
    expect(check.bodyHashOk).toBe(true);
    expect(check.signatureOk).toBe(true);
  });

  it('the verification fails when a signed header is changed on the way (so the check above can fail)', async () => {
    const raw = await sendThrough(true, 'tampered@example.com');
    expect(verifyDkim(raw, publicKey).signatureOk).toBe(true);
    const changed = raw.replace('List-Unsubscribe=One-Click', 'List-Unsubscribe=One-Clack');
    expect(changed).not.toBe(raw);
    expect(verifyDkim(changed, publicKey).signatureOk).toBe(false);
    const rebodied = raw.replace('Two suppliers answered.', 'Two suppliers answered!');
    expect(verifyDkim(rebodied, publicKey).bodyHashOk).toBe(false);
    const other = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
    expect(verifyDkim(raw, other).signatureOk).toBe(false);
  });
});

describe('file transport: the same headers in the .eml', () => {
  it('writes List-Unsubscribe and List-Unsubscribe-Post', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'digest-eml-'));
    const t = createTransport({ name: 'outbox', kind: 'file', dir, from: 'digest <digest@localhost>' });
    transports.push(t);
    await t.send(message('file@example.com'));
    const [file] = readdirSync(dir).filter((f) => f.endsWith('.eml'));
    const { headers } = parseEml(readFileSync(join(dir, file!), 'utf8').replace(/\r\n/g, '\n'));
    expect(headers.get('list-unsubscribe')).toBe(`<${URL_}>`);
    expect(headers.get('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
  });
});

describe('webhook transport: the link in the JSON', () => {
  it('carries unsubscribeUrl when the message has one, and no such key when not', async () => {
    const bodies: Array<Record<string, unknown>> = [];
    const hook = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        bodies.push(JSON.parse(body) as Record<string, unknown>);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = hook.address() as { port: number };
      const t = createTransport({ name: 'hook', kind: 'webhook', url: `http://127.0.0.1:${port}/`, timeoutMs: 5000 });
      transports.push(t);
      await t.send(message('hook@example.com'));
      await t.send(message('hook2@example.com', { unsubscribeUrl: undefined }));
      expect(bodies[0]).toMatchObject({ to: 'hook@example.com', unsubscribeUrl: URL_ });
      expect(bodies[1]).toMatchObject({ to: 'hook2@example.com' });
      expect(bodies[1]).not.toHaveProperty('unsubscribeUrl');
    } finally {
      await new Promise((resolve) => hook.close(resolve));
    }
  });
});
