/**
 * The in-process wake-up of an immediate loop: a flag that outlives the
 * sleep, so a wake during a pass is not lost; and the recorder that wakes
 * only after its own commit.
 */
import { describe, expect, it } from 'vitest';
import type { Recorder } from '../../src/record.js';
import { Wakeup } from '../../src/scheduler/wakeup.js';
import { wakingRecorder } from '../../src/scheduler/waking-recorder.js';
import { FakeClock } from '../support/fake-clock.js';

/** Whether `p` has settled once pending callbacks have run (the fake clock never moves by itself). */
const settled = async (p: Promise<unknown>) => {
  let done = false;
  void p.then(() => { done = true; });
  await new Promise((r) => setImmediate(r));
  return done;
};

describe('Wakeup', () => {
  const never = new AbortController().signal;

  it('sleeps the poll interval when nothing wakes it', async () => {
    const clock = new FakeClock('2025-01-01T00:00:00Z');
    const sleep = new Wakeup().sleep(clock, 60_000, never);
    expect(await settled(sleep)).toBe(false);
    clock.advance(60_000);
    expect(await settled(sleep)).toBe(true);
  });

  it('ends the idle sleep at once on a wake, with the clock standing still', async () => {
    const clock = new FakeClock('2025-01-01T00:00:00Z');
    const w = new Wakeup();
    const sleep = w.sleep(clock, 60_000, never);
    expect(await settled(sleep)).toBe(false);
    w.wake();
    expect(await settled(sleep)).toBe(true);
    expect(w.take()).toBe(true);
    expect(w.take()).toBe(false);
  });

  it('keeps a wake that came during a pass: the next sleep does not wait', async () => {
    const clock = new FakeClock('2025-01-01T00:00:00Z');
    const w = new Wakeup();
    w.take(); // a pass starts
    w.wake(); // events committed while it runs
    expect(await settled(w.sleep(clock, 60_000, never))).toBe(true);
  });

  it('drops a wake that came before a pass began: that pass covered it', async () => {
    const clock = new FakeClock('2025-01-01T00:00:00Z');
    const w = new Wakeup();
    w.wake();
    expect(w.take()).toBe(true);
    expect(await settled(w.sleep(clock, 60_000, never))).toBe(false);
  });

  it('ends the sleep when the loop is stopped', async () => {
    const clock = new FakeClock('2025-01-01T00:00:00Z');
    const stop = new AbortController();
    const sleep = new Wakeup().sleep(clock, 60_000, stop.signal);
    stop.abort();
    expect(await settled(sleep)).toBe(true);
  });
});

describe('wakingRecorder', () => {
  const fake = (fail = false): Recorder => ({
    record: async () => { if (fail) throw new Error('no'); return 1; },
    recordMany: async (events) => { if (fail) throw new Error('no'); return events.map((_, i) => i + 1); },
  });

  it('wakes each type recorded once, after the record returned', async () => {
    const woken: string[] = [];
    const r = wakingRecorder(fake(), (t) => woken.push(t));
    expect(await r.record('A', {})).toBe(1);
    expect(await r.recordMany([{ type: 'B', payload: {} }, { type: 'A', payload: {} }, { type: 'B', payload: {} }])).toEqual([1, 2, 3]);
    expect(woken).toEqual(['A', 'B', 'A']);
  });

  it('wakes nothing inside a caller transaction (its commit comes later) or when the record failed', async () => {
    const woken: string[] = [];
    await wakingRecorder(fake(), (t) => woken.push(t)).record('A', {}, { tx: {} });
    await wakingRecorder(fake(), (t) => woken.push(t)).recordMany([{ type: 'A', payload: {} }], { tx: {} });
    await expect(wakingRecorder(fake(true), (t) => woken.push(t)).record('A', {})).rejects.toThrow('no');
    await expect(wakingRecorder(fake(true), (t) => woken.push(t)).recordMany([{ type: 'A', payload: {} }])).rejects.toThrow('no');
    expect(woken).toEqual([]);
  });
});
