import { beforeEach, expect, it } from 'vitest';
import { runType } from '../../src/runner/run.js';
import { PermanentDeliveryError } from '../../src/transports/errors.js';
import type { OutgoingMessage, Transport } from '../../src/transports/transport.js';
import { shippedConfig, testApp } from '../support/app.js';
import { describeEngines, truncateAll } from '../support/engines.js';

/** A transport that only takes batches: records each call's size; fails the recipients it is told to. */
class BatchTransport implements Transport {
  readonly name = 'batch';
  readonly batchSize = 20;
  readonly calls: number[] = [];
  readonly sent: OutgoingMessage[] = [];
  retryable = new Set<string>();
  permanent = new Set<string>();
  async send(): Promise<void> {
    throw new Error('send called: a batch transport is sent to in batches');
  }
  async sendBatch(messages: readonly OutgoingMessage[]): Promise<Array<PromiseSettledResult<void>>> {
    this.calls.push(messages.length);
    return messages.map((m): PromiseSettledResult<void> => {
      if (this.retryable.has(m.recipient)) return { status: 'rejected', reason: new Error(`busy ${m.recipient}`) };
      if (this.permanent.has(m.recipient)) return { status: 'rejected', reason: new PermanentDeliveryError(`no such mailbox ${m.recipient}`) };
      this.sent.push(m);
      return { status: 'fulfilled', value: undefined };
    });
  }
}

describeEngines('batch sends (runner/sender.ts)', (engine) => {
  beforeEach(() => truncateAll(engine.db));

  it('hands a page to a batch transport in calls of at most batchSize; a message it rejects fails only its own delivery', async () => {
    const config = shippedConfig();
    const transport = new BatchTransport();
    const { ctx, recorder } = await testApp(engine, { config, transports: Object.fromEntries(Object.keys(config.transports).map((n) => [n, transport])) });
    await recorder.recordMany(Array.from({ length: 50 }, (_, i) => ({ type: 'Order.Created', payload: { email_address: `c${i}@shop.example`, order_id: i + 1 } })));
    transport.retryable.add('c7@shop.example');
    transport.permanent.add('c9@shop.example');

    const run = await runType(ctx, { type: 'Order.Created', trigger: 'manual' });
    expect(run).toMatchObject({ deliveriesCreated: 50, deliveriesSent: 48, deliveriesFailed: 2 });
    expect(transport.calls.reduce((a, b) => a + b, 0)).toBe(50);
    expect(Math.max(...transport.calls)).toBeLessThanOrEqual(20);
    // Batched, not one call per message.
    expect(transport.calls.length).toBeLessThanOrEqual(5);
    const rows = await engine.db.all<{ recipient: string; status: string; messageId: string | null }>(
      'SELECT recipient, status, message_id AS messageId FROM digest_deliveries ORDER BY id');
    const statusOf = (r: string) => rows.find((x) => x.recipient === r)!.status;
    expect(statusOf('c7@shop.example')).toBe('failed');
    expect(statusOf('c9@shop.example')).toBe('dead');
    expect(rows.filter((r) => r.status === 'sent')).toHaveLength(48);
    // Each message carries its own delivery's Message-ID, which the sent mark stores.
    for (const m of transport.sent) expect(rows.some((r) => r.messageId === m.messageId && r.recipient === m.recipient)).toBe(true);
    expect(rows.find((r) => r.recipient === 'c7@shop.example')!.messageId).toMatch(/^<delivery\.\d+@/);
  });
});
