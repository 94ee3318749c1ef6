import { describe, expect, it } from 'vitest';
import { parseSchedules } from '../../src/config/schedules.js';
import { createTransport } from '../../src/transports/create.js';
import { issuesOf } from '../support/config-issues.js';

describe('a kind: pull transport in the schedules file', () => {
  it('parses, and builds a transport that refuses to send (its consumers do)', async () => {
    const config = parseSchedules(`
transports:
  mailer: { kind: pull }
events:
  Order.Created: { cadence: immediate, transport: mailer }
`, {});
    expect(config.transports.mailer).toEqual({ name: 'mailer', kind: 'pull' });
    expect(config.events['Order.Created']!.transport).toBe('mailer');
    const transport = createTransport(config.transports.mailer!);
    expect(transport.name).toBe('mailer');
    await expect(transport.send({ deliveryId: 1, messageId: '<m>', eventType: 'T', recipient: 'r', to: 'r@x.example' }))
      .rejects.toThrow('transport mailer is a pull transport: its consumers lease deliveries over HTTP (POST /v1/pull/mailer/lease)');
  });

  it('takes no other keys', () => {
    expect(issuesOf(`
transports:
  mailer: { kind: pull, url: "https://x.example" }
events:
  Order.Created: { cadence: immediate, transport: mailer }
`)).toEqual([{ path: 'transports.mailer.url', message: 'unknown key (expected kind)' }]);
  });
});
