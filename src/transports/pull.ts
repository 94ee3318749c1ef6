import { DigestError } from '../errors.js';
import type { Transport } from './transport.js';

/**
 * A `pull` transport sends nothing itself: the runner stores its deliveries
 * rendered and `ready`, and outside consumers lease them over HTTP
 * (runner/pull.ts, http/routes/pull.ts). It is in the transports map all the
 * same, so every configured name resolves; a send reaching it (`digest
 * replay`) is refused with the way to go instead.
 */
export function pullTransport(name: string): Transport {
  return {
    name,
    // Handing a delivery to its consumers is one group-committed write: a whole page at once.
    concurrency: 256,
    async send() {
      throw new DigestError('PULL_TRANSPORT',
        `transport ${name} is a pull transport: its consumers lease deliveries over HTTP (POST /v1/pull/${name}/lease); use \`digest retry\` to hand a delivery to them again`);
    },
  };
}
