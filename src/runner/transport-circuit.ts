import type { TransportUnavailableError } from '../transports/errors.js';

/**
 * Whether a transport is reachable, shared by every send through it in this
 * process. While it is up, every send goes. The first send that finds it
 * unavailable (refused, reset, DNS …; see transports/errors.ts) takes it down;
 * from then on no send goes until the next probe time, when exactly ONE send
 * (the probe) goes and the others wait for its outcome. A probe the server
 * answers (accepted, or refused the message: either way it is there) brings
 * it up; a probe that finds it unavailable doubles the pause, up to `maxMs`.
 *
 * Why: an outage is not the message's fault. Counting it as attempts burned
 * every delivery's retries within minutes; now deliveries wait, unsent and
 * uncounted, and the server gets one probe per pause instead of a stampede.
 */
export interface TransportCircuit {
  readonly up: boolean;
  /** Before a send: go (with a ticket to report the outcome on), or wait `waitMs`. */
  admit(): Promise<Admission>;
  /** Down and not yet time to probe (or a probe in flight): a new claim would only wait. */
  paused(): boolean;
}

export type Admission = { send: true; ticket: SendTicket } | { send: false; waitMs: number; reason: string };

/** Each admitted send reports exactly one of these (later calls are ignored). */
export interface SendTicket {
  readonly probe: boolean;
  /** The server answered: accepted the message, or refused this message. */
  answered(): void;
  /** Nobody answered. Returns how long the delivery should wait before it is tried again. */
  unavailable(err: TransportUnavailableError): number;
  /** The send never happened (lease lost, store error): a probe slot is freed for the next send. */
  abandon(): void;
}

export interface CircuitOptions {
  /** First pause after the transport goes down; doubles per failed probe. */
  baseMs: number;
  maxMs: number;
  onDown(err: TransportUnavailableError): void;
  onUp(downMs: number): void;
  now?: () => number;
}

export function createCircuit(opts: CircuitOptions): TransportCircuit {
  const now = opts.now ?? Date.now;
  let up = true;
  // Bumped on every change of state: an outcome of a send admitted before a
  // change (it started while up, ended after the outage was noticed) changes nothing.
  let epoch = 0;
  let pauseMs = opts.baseMs;
  let nextProbeAt = 0;
  let downSince = 0;
  let reason = '';
  let probe: Promise<void> | null = null;
  let endProbe = () => {};

  const waitMs = () => (up ? 0 : Math.max(0, nextProbeAt - now()));
  const ticket = (isProbe: boolean): SendTicket => {
    const admittedIn = epoch;
    let settled = false;
    const settle = () => {
      if (settled) return false;
      settled = true;
      if (isProbe) {
        probe = null;
        endProbe();
      }
      return true;
    };
    return {
      probe: isProbe,
      answered() {
        if (!settle() || !isProbe || up) return;
        up = true;
        epoch++;
        opts.onUp(now() - downSince);
      },
      unavailable(err) {
        if (!settle()) return waitMs();
        if (up && admittedIn === epoch) {
          up = false;
          epoch++;
          downSince = now();
          pauseMs = opts.baseMs;
          nextProbeAt = downSince + pauseMs;
          reason = err.reason;
          opts.onDown(err);
        } else if (isProbe && !up) {
          pauseMs = Math.min(opts.maxMs, pauseMs * 2);
          nextProbeAt = now() + pauseMs;
          reason = err.reason;
        }
        return waitMs();
      },
      abandon() {
        settle();
      },
    };
  };

  return {
    get up() {
      return up;
    },
    async admit() {
      for (;;) {
        if (up) return { send: true, ticket: ticket(false) };
        if (probe) {
          await probe;
          continue;
        }
        const wait = waitMs();
        if (wait > 0) return { send: false, waitMs: wait, reason };
        probe = new Promise<void>((resolve) => (endProbe = resolve));
        return { send: true, ticket: ticket(true) };
      }
    },
    paused() {
      return !up && (probe != null || waitMs() > 0);
    },
  };
}
