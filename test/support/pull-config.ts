import type { DigestConfig } from '../../src/config/types.js';

/** Order.Created receipts to a pull transport (`consumers`); Purchase.Requested to the console (a transport that is not pull). */
export function pullConfig(maxAttempts = 3): DigestConfig {
  return {
    timezone: 'UTC',
    transports: { consumers: { name: 'consumers', kind: 'pull' }, console: { name: 'console', kind: 'console' } },
    events: {
      'Order.Created': { type: 'Order.Created', cadence: { kind: 'immediate', text: 'immediate' }, transport: 'consumers', timezone: 'UTC', maxAttempts, batchSize: 1000 },
      'Purchase.Requested': { type: 'Purchase.Requested', cadence: { kind: 'immediate', text: 'immediate' }, transport: 'console', timezone: 'UTC', maxAttempts, batchSize: 1000 },
    },
  };
}
