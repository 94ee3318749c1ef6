import type { Issue } from '../errors.js';
import type { DigestConfig } from './types.js';

/**
 * A send that may take longer than a lease: the lease keeper renews leases
 * while a send is in flight, but only while this process runs its heartbeat;
 * a timeout past the lease means a stalled send can outlive a lease that
 * another worker then takes over, and the message goes out twice.
 */
export function checkTimeouts(config: DigestConfig, leaseMs: number): Issue[] {
  return Object.values(config.transports).flatMap((t) => (t.kind === 'webhook' && t.timeoutMs > leaseMs
    ? [{ path: `transports.${t.name}.timeoutMs`, message: `${t.timeoutMs} ms exceeds the lease (DIGEST_LEASE_SECONDS=${leaseMs / 1000}): lower it or raise the lease` }]
    : []));
}
