import type { RunnerContext } from './context.js';
import { createCircuit, type TransportCircuit } from './transport-circuit.js';

/** Pause after a transport goes down, doubling per failed probe up to the cap. */
export const DEFAULT_TRANSPORT_PAUSE = { baseMs: 1_000, maxMs: 60_000 };

const byContext = new WeakMap<RunnerContext, Map<string, TransportCircuit>>();

/**
 * The circuit of one transport (one per RunnerContext and transport name:
 * every run and recovery of this process shares it). Its changes of state are
 * the only log lines of an outage — `transport.down` (warn, with the error
 * code) and `transport.up` (info) — and the `digest_transport_up` gauge.
 */
export function circuitOf(ctx: RunnerContext, transport: string): TransportCircuit {
  let circuits = byContext.get(ctx);
  if (!circuits) byContext.set(ctx, (circuits = new Map()));
  let circuit = circuits.get(transport);
  if (!circuit) {
    const log = ctx.logger.child({ transport });
    circuit = createCircuit({
      ...DEFAULT_TRANSPORT_PAUSE,
      ...ctx.transportPause,
      onDown(err) {
        log.warn({ evt: 'transport.down', code: err.reason, err: err.message });
        ctx.metrics?.setTransportUp(transport, false);
      },
      onUp(downMs) {
        log.info({ evt: 'transport.up', downMs });
        ctx.metrics?.setTransportUp(transport, true);
      },
    });
    circuits.set(transport, circuit);
  }
  return circuit;
}
