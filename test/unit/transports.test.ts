import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { consoleTransport } from '../../src/transports/console.js';
import { createTransport } from '../../src/transports/create.js';
import { fileTransport } from '../../src/transports/file.js';
import type { OutgoingMessage } from '../../src/transports/transport.js';
import { parseEml } from '../support/eml.js';

const message = (over: Partial<OutgoingMessage> = {}): OutgoingMessage => ({
  deliveryId: 123,
  messageId: 'delivery-123@digest.local',
  eventType: 'Purchase.Requested',
  recipient: '7',
  to: 'supplier@example.com',
  subject: '2 new purchase requests',
  text: 'You have 2 new purchase requests:\n- #R1 … ünïcödé',
  html: '<p>You have <b>2</b> requests</p>',
  ...over,
});

describe('console transport', () => {
  it('writes exactly the text body and a newline', async () => {
    const lines: string[] = [];
    const t = consoleTransport('console', (line) => lines.push(line));
    await t.send(message({ text: 'Sending receipt to a@example.com for order #42...' }));
    expect(lines).toEqual(['Sending receipt to a@example.com for order #42...\n']);
    expect(t.name).toBe('console');
  });

  it('falls back to the subject when there is no text body', async () => {
    const lines: string[] = [];
    await consoleTransport('c', (line) => lines.push(line)).send(message({ text: undefined }));
    expect(lines).toEqual(['2 new purchase requests\n']);
  });
});

describe('file transport', () => {
  it('writes a parseable .eml named after the delivery, with Message-ID and subject', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'digest-eml-')), 'outbox'); // does not exist yet
    const t = fileTransport('outbox', { dir, from: 'Shop <no-reply@shop.example>' });
    await t.send(message());
    expect(readdirSync(dir)).toEqual(['delivery-000123.eml']);

    const { headers, body } = parseEml(readFileSync(join(dir, 'delivery-000123.eml'), 'utf8'));
    expect(headers.get('message-id')).toBe('<delivery-123@digest.local>');
    expect(headers.get('subject')).toBe('2 new purchase requests');
    expect(headers.get('from')).toBe('Shop <no-reply@shop.example>');
    expect(headers.get('to')).toBe('supplier@example.com');
    expect(headers.get('content-type')).toMatch(/^multipart\/alternative; boundary=/);
    expect(body).toContain('Content-Type: text/plain; charset=utf-8');
    expect(body).toContain('Content-Type: text/html; charset=utf-8');
    await t.close?.();
  });

  it('overwrites the same file when a delivery is re-sent, leaving no temp files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'digest-eml-'));
    const t = fileTransport('outbox', { dir, from: 'no-reply@shop.example' });
    await t.send(message({ subject: 'first' }));
    await t.send(message({ subject: 'second' }));
    await t.send(message({ deliveryId: 7, messageId: '<d7@digest.local>' }));
    expect(readdirSync(dir).sort()).toEqual(['delivery-000007.eml', 'delivery-000123.eml']);
    expect(parseEml(readFileSync(join(dir, 'delivery-000123.eml'), 'utf8')).headers.get('subject')).toBe('second');
    expect(parseEml(readFileSync(join(dir, 'delivery-000007.eml'), 'utf8')).headers.get('message-id')).toBe('<d7@digest.local>');
  });
});

describe('createTransport', () => {
  it('builds console and file transports by kind', () => {
    expect(createTransport({ name: 'c', kind: 'console' }).name).toBe('c');
    expect(createTransport({ name: 'o', kind: 'file', dir: tmpdir(), from: 'a@b.example' }).name).toBe('o');
  });

  it('builds every configured kind', () => {
    expect(createTransport({ name: 'm', kind: 'smtp', url: 'smtp://127.0.0.1:2525', from: 'a@b.example' }).name).toBe('m');
    expect(createTransport({ name: 'w', kind: 'webhook', url: 'https://x.example', timeoutMs: 1000 }).name).toBe('w');
  });
});
