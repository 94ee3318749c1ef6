import { describe, expect, it } from 'vitest';
import { TransportUnavailableError } from '../../src/transports/errors.js';
import { createCircuit, type SendTicket } from '../../src/runner/transport-circuit.js';

const refused = new TransportUnavailableError('SMTP connection failed: ECONNREFUSED', 'ECONNREFUSED');

function setup() {
  let t = 0;
  const changes: string[] = [];
  const circuit = createCircuit({
    baseMs: 1_000, maxMs: 4_000, now: () => t,
    onDown: (err) => changes.push(`down ${err.reason}`),
    onUp: (downMs) => changes.push(`up after ${downMs}`),
  });
  const admit = async () => {
    const a = await circuit.admit();
    if (!a.send) throw new Error(`paused ${a.waitMs}`);
    return a.ticket;
  };
  return { circuit, changes, admit, advance: (ms: number) => (t += ms) };
}

describe('transport circuit', () => {
  it('goes down ONCE however many sends in flight fail, and holds sends back until the probe time', async () => {
    const { circuit, changes, admit, advance } = setup();
    const inFlight = await Promise.all([admit(), admit(), admit()]);
    expect(inFlight.map((x) => x.probe)).toEqual([false, false, false]);
    expect(inFlight.map((x) => x.unavailable(refused))).toEqual([1_000, 1_000, 1_000]);
    expect(changes).toEqual(['down ECONNREFUSED']);
    expect(circuit.up).toBe(false);
    expect(circuit.paused()).toBe(true);
    advance(400);
    expect(await circuit.admit()).toEqual({ send: false, waitMs: 600, reason: 'ECONNREFUSED' });
  });

  it('lets ONE probe through when due; the others wait for its outcome; pauses double up to the cap', async () => {
    const { circuit, changes, admit, advance } = setup();
    (await admit()).unavailable(refused);
    const pauses: number[] = [];
    for (let i = 0; i < 4; i++) {
      advance(10_000);
      expect(circuit.paused()).toBe(false);
      const probe = await admit();
      expect(probe.probe).toBe(true);
      expect(circuit.paused()).toBe(true); // a probe in flight: a new claim would only wait
      const waiter = circuit.admit();
      pauses.push(probe.unavailable(refused));
      expect(await waiter).toMatchObject({ send: false });
    }
    expect(pauses).toEqual([2_000, 4_000, 4_000, 4_000]);
    expect(changes).toEqual(['down ECONNREFUSED']);
  });

  it('comes up when the probe is answered, once; the sends waiting on it go', async () => {
    const { circuit, changes, admit, advance } = setup();
    const early = await admit();
    (await admit()).unavailable(refused);
    advance(1_000);
    const probe = await admit();
    const waiters = [circuit.admit(), circuit.admit()];
    advance(250);
    probe.answered();
    const after = await Promise.all(waiters);
    expect(after.map((a) => a.send && !a.ticket.probe)).toEqual([true, true]);
    expect(changes).toEqual(['down ECONNREFUSED', 'up after 1250']);
    // A send admitted before the outage that fails only now changes nothing.
    expect(early.unavailable(refused)).toBe(0);
    expect(circuit.up).toBe(true);
    expect(changes).toHaveLength(2);
  });

  it('a probe abandoned before it reached the transport frees the probe for the next send', async () => {
    const { admit, advance } = setup();
    (await admit()).unavailable(refused);
    advance(1_000);
    const probe: SendTicket = await admit();
    probe.abandon();
    expect((await admit()).probe).toBe(true);
  });
});
