import type { RunnerContext } from './context.js';
import { createCircuit, type TransportCircuit } from './transport-circuit.js';

/** Pause after a transport goes down, doubling per failed probe up to the cap. */
export const DEFAULT_TRANSPORT_PAUSE = { baseMs: 1_000, maxMs: 60_000 };

const byContext = new WeakMap<RunnerContext, Map<string, TransportCircuit>>();

/**
 * The circuit of one transport (one per RunnerContext and transport name:
 * every run and recovery of this process shares it). Its changes of state are
 * the only lifecycle events of an outage — `transport.down` (with the error
 * code) and `transport.up` — which the log and the `digest_transport_up`
 * gauge subscribe to.
 */
export function circuitOf(ctx: RunnerContext, transport: string): TransportCircuit {
  let circuits = byContext.get(ctx);
  if (!circuits) byContext.set(ctx, (circuits = new Map()));
  let circuit = circuits.get(transport);
  if (!circuit) {
    circuit = createCircuit({
      ...DEFAULT_TRANSPORT_PAUSE,
      ...ctx.transportPause,
      onDown(err) {
        ctx.lifecycle.emit('transport.down', { transport, code: err.reason, err: err.message });
      },
      onUp(downMs) {
        ctx.lifecycle.emit('transport.up', { transport, downMs });
      },
    });
    circuits.set(transport, circuit);
  }
  return circuit;
}
