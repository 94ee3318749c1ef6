import type { TransportConfig } from '../config/types.js';
import { DigestError } from '../errors.js';
import { consoleTransport } from './console.js';
import { fileTransport } from './file.js';
import { pullTransport } from './pull.js';
import { smtpTransport } from './smtp.js';
import type { Transport } from './transport.js';
import { webhookTransport } from './webhook.js';

/** Builds the transport a `transports:` entry of config/schedules.yaml describes. */
export function createTransport(config: TransportConfig): Transport {
  switch (config.kind) {
    case 'console':
      return consoleTransport(config.name);
    case 'file':
      return fileTransport(config.name, { dir: config.dir, from: config.from });
    case 'smtp':
      return smtpTransport(config.name, {
        url: config.url, from: config.from, ratePerSecond: config.ratePerSecond, tls: config.tls, dkim: config.dkim,
      });
    case 'webhook':
      return webhookTransport(config.name, {
        url: config.url, secret: config.secret, timeoutMs: config.timeoutMs, concurrency: config.concurrency,
        batch: config.batch, batchSize: config.batchSize,
      });
    case 'pull':
      return pullTransport(config.name);
    default: {
      // Exhaustiveness: a new kind in TransportConfig must be handled here.
      const unknownKind: never = config;
      throw new DigestError('CONFIG', `unknown transport kind in ${JSON.stringify(unknownKind)}`);
    }
  }
}
