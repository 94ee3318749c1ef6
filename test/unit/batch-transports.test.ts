/** sendBatch of the console and file transports: one call for many deliveries, each settled on its own. */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { consoleTransport } from '../../src/transports/console.js';
import { emlFileName, fileTransport } from '../../src/transports/file.js';
import type { OutgoingMessage } from '../../src/transports/transport.js';
import { parseEml } from '../support/eml.js';

const message = (id: number, over: Partial<OutgoingMessage> = {}): OutgoingMessage => ({
  deliveryId: id,
  messageId: `delivery-${id}@digest.local`,
  eventType: 'Order.Created',
  recipient: String(id),
  to: `r${id}@shop.example`,
  subject: `subject ${id}`,
  text: `text ${id}`,
  ...over,
});

describe('console sendBatch', () => {
  it('writes every line of the batch in one write, in order, as send would', async () => {
    const writes: string[] = [];
    const t = consoleTransport('console', (chunk) => writes.push(chunk));
    const batch = [message(1), message(2, { text: undefined }), message(3, { text: undefined, subject: undefined }), message(4)];
    const results = await t.sendBatch!(batch);

    expect(writes).toEqual(['text 1\nsubject 2\ntext 4\n']);
    expect(results).toEqual(batch.map(() => ({ status: 'fulfilled', value: undefined })));
    expect(t.batchSize).toBe(1000);
  });

  it('does not write at all for a batch with nothing to print', async () => {
    const writes: string[] = [];
    const results = await consoleTransport('c', (chunk) => writes.push(chunk)).sendBatch!([message(1, { text: undefined, subject: undefined })]);
    expect(writes).toEqual([]);
    expect(results).toEqual([{ status: 'fulfilled', value: undefined }]);
  });

  it('rejects every message of the batch with the error of a failed write', async () => {
    const broken = new Error('EPIPE');
    const t = consoleTransport('c', () => {
      throw broken;
    });
    expect(await t.sendBatch!([message(1), message(2)])).toEqual([
      { status: 'rejected', reason: broken },
      { status: 'rejected', reason: broken },
    ]);
  });
});

describe('file sendBatch', () => {
  it('writes one parseable .eml per message of the batch into a directory it creates', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'digest-eml-')), 'outbox'); // does not exist yet
    const t = fileTransport('outbox', { dir, from: 'no-reply@shop.example' });
    const batch = [1, 2, 3, 4, 5].map((id) => message(id));
    const results = await t.sendBatch!(batch);

    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
    expect(readdirSync(dir).sort()).toEqual(batch.map((m) => emlFileName(m.deliveryId)));
    for (const m of batch) {
      const { headers } = parseEml(readFileSync(join(dir, emlFileName(m.deliveryId)), 'utf8'));
      expect(headers.get('message-id')).toBe(`<${m.messageId}>`);
      expect(headers.get('subject')).toBe(m.subject);
    }
    expect(t.batchSize).toBe(256);
    await t.close?.();
  });

  it('fails only the message whose file cannot be written, leaving no temp file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'digest-eml-'));
    // A directory where message 2's file belongs: its rename cannot replace it.
    mkdirSync(join(dir, emlFileName(2)));
    const t = fileTransport('outbox', { dir, from: 'no-reply@shop.example' });
    const results = await t.sendBatch!([message(1), message(2), message(3)]);

    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'EISDIR' });
    expect(readdirSync(dir).sort()).toEqual([emlFileName(1), emlFileName(2), emlFileName(3)]);
    expect(statSync(join(dir, emlFileName(2))).isDirectory()).toBe(true);
    expect(statSync(join(dir, emlFileName(3))).isFile()).toBe(true);
  });

  it('rejects every message when the directory cannot be made', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'digest-eml-'));
    const t = fileTransport('outbox', { dir: join(parent, emlFileName(9), 'outbox'), from: 'no-reply@shop.example' });
    // The directory's parent is a file: mkdir fails, and with it the batch.
    await fileTransport('seed', { dir: parent, from: 'no-reply@shop.example' }).send(message(9));
    const results = await t.sendBatch!([message(1), message(2)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect((results[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'ENOTDIR' });
  });
});
