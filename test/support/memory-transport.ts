import type { OutgoingMessage, Transport } from '../../src/transports/transport.js';

/** Records every message it is given; can be told to fail for some recipients. */
export class MemoryTransport implements Transport {
  readonly sent: OutgoingMessage[] = [];
  failFor = new Set<string>();
  constructor(readonly name = 'memory') {}
  async send(m: OutgoingMessage) {
    if (this.failFor.has(m.recipient)) throw new Error(`rejected ${m.recipient}`);
    this.sent.push(m);
  }
}
