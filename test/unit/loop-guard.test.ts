import { describe, expect, it } from 'vitest';
import type { Clock } from '../../src/clock.js';
import { createLifecycle, type LifecycleEvent } from '../../src/lifecycle.js';
import { loopGuard } from '../../src/scheduler/guard.js';

const certification = () => Object.assign(new Error('WSREP detected deadlock/conflict and aborted the transaction. Try restarting the transaction'),
  { code: 'ER_LOCK_DEADLOCK', errno: 1213 });
const down = () => Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });

function setup() {
  const lifecycle = createLifecycle();
  const events: LifecycleEvent[] = [];
  lifecycle.on('*', (e) => events.push(e));
  const sleeps: number[] = [];
  const clock: Clock = { now: () => new Date(0), sleep: async (ms) => void sleeps.push(ms) };
  return { guard: loopGuard(lifecycle, clock, 'immediate'), events, sleeps, signal: new AbortController().signal };
}

describe('loopGuard', () => {
  it('a conflict that survived the retries is contention: loop.contended once per streak, never loop.failing, a short pause', async () => {
    const { guard, events, sleeps, signal } = setup();
    await guard(async () => { throw certification(); }, signal);
    await guard(async () => { throw certification(); }, signal);
    await guard(async () => undefined, signal);
    await guard(async () => { throw certification(); }, signal);
    expect(events.map((e) => e.name)).toEqual(['loop.contended', 'loop.contended']);
    expect(events[0]!.fields).toEqual({ loop: 'immediate', code: 'ER_LOCK_DEADLOCK' });
    expect(sleeps).toHaveLength(3);
    for (const ms of sleeps) expect(ms).toBeLessThanOrEqual(50);
  });

  it('any other error is still loop.failing (error level) with the outage back-off, and loop.recovered after', async () => {
    const { guard, events, sleeps, signal } = setup();
    await guard(async () => { throw down(); }, signal);
    await guard(async () => { throw down(); }, signal);
    await guard(async () => undefined, signal);
    expect(events.map((e) => e.name)).toEqual(['loop.failing', 'loop.recovered']);
    expect(sleeps).toEqual([200, 400]);
  });
});
