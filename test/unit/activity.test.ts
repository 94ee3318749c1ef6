/**
 * The activity ring (http/activity.ts) under an injected clock: outcomes land
 * in their minute, the day view sums quarter hours, a slot a day old reads
 * empty, the backlog is sampled at most once a minute, and a failed sample
 * leaves a gap while the counts still answer.
 */
import { describe, expect, it } from 'vitest';
import { createActivity } from '../../src/http/activity.js';
import { createLifecycle } from '../../src/lifecycle.js';
import type { OutstandingStats } from '../../src/store/read-model.js';
import { parseDeliverySearch } from '../../src/http/delivery-search.js';

const MIN = 60_000;
const T0 = Date.parse('2026-12-01T12:00:30Z');

function ring(opts: { failSample?: () => boolean } = {}) {
  let now = T0;
  let samples = 0;
  const backlog: OutstandingStats[] = [];
  const errors: unknown[] = [];
  const activity = createActivity({
    now: () => new Date(now),
    types: () => ['A', 'B'],
    async outstanding() {
      samples++;
      if (opts.failSample?.()) throw new Error('database down');
      return backlog.map((s) => ({ ...s }));
    },
    onSampleError: (err) => errors.push(err),
  });
  return { activity, backlog, errors, samples: () => samples, at: (ms: number) => { now = ms; } };
}

describe('the activity ring', () => {
  it('counts lifecycle outcomes in their minute; the hour has 60 one-minute buckets ending with the current one', async () => {
    const r = ring();
    const lifecycle = createLifecycle();
    const off = r.activity.subscribe(lifecycle);
    const sent = { deliveryId: 1, type: 'A', attempt: 0, events: 1, transport: 'x', sendMs: 1 };
    lifecycle.emit('delivery.sent', sent);
    lifecycle.emit('delivery.sent', sent);
    lifecycle.emit('delivery.failed', { deliveryId: 2, type: 'A', attempt: 0, stage: 'send', retryInMs: 1000, err: 'x' });
    r.at(T0 + 5 * MIN);
    lifecycle.emit('delivery.dead', { deliveryId: 3, type: 'B', attempt: 19, stage: 'send', retryInMs: null, err: 'x' });
    off();
    lifecycle.emit('delivery.sent', sent); // unsubscribed: not counted
    const v = await r.activity.view('1h');
    expect(v.series).toHaveLength(60);
    expect(v.series.at(-1)).toEqual({ at: new Date('2026-12-01T12:05:00Z'), sent: 0, failed: 0, dead: 1 });
    expect(v.series.at(-6)).toEqual({ at: new Date('2026-12-01T12:00:00Z'), sent: 2, failed: 1, dead: 0 });
    expect(v.series[0]!.at).toEqual(new Date('2026-12-01T11:06:00Z'));
    expect(v.since).toEqual(new Date(T0));
  });

  it('the day has 96 quarter-hour buckets summing their minutes; a slot written a day ago reads empty', async () => {
    const r = ring();
    r.activity.count('sent');
    r.at(T0 + 14 * MIN);
    r.activity.count('sent');
    r.at(T0 + 15 * MIN);
    r.activity.count('failed');
    let day = await r.activity.view('24h');
    expect(day.series).toHaveLength(96);
    expect(day.bucketMs).toBe(15 * MIN);
    expect(day.series.at(-2)).toMatchObject({ at: new Date('2026-12-01T12:00:00Z'), sent: 2, failed: 0 });
    expect(day.series.at(-1)).toMatchObject({ at: new Date('2026-12-01T12:15:00Z'), sent: 0, failed: 1 });
    // 24 h later the same ring slots hold today's minute: yesterday's counts are gone, not added.
    r.at(T0 + 24 * 60 * MIN);
    r.activity.count('dead');
    day = await r.activity.view('24h');
    expect(day.series.reduce((n, b) => n + b.sent + b.failed, 0)).toBe(1); // 12:15 yesterday is still inside the window
    expect(day.series.at(-1)).toMatchObject({ at: new Date('2026-12-02T12:00:00Z'), dead: 1, sent: 0 });
    const hour = await r.activity.view('1h');
    expect(hour.series.reduce((n, b) => n + b.sent + b.failed + b.dead, 0)).toBe(1);
  });

  it('samples the backlog at most once a minute; a type missing from a sample had none outstanding', async () => {
    const r = ring();
    r.backlog.push({ type: 'A', outstanding: 7, held: 0, waitingSince: new Date(T0 - 90_000), now: new Date(T0) });
    await Promise.all([r.activity.view('1h'), r.activity.view('1h'), r.activity.sample()]);
    expect(r.samples()).toBe(1);
    r.backlog[0]!.outstanding = 3;
    r.at(T0 + MIN);
    const v = await r.activity.view('1h');
    expect(r.samples()).toBe(2);
    expect(v.types.A!.slice(-2)).toEqual([
      { at: new Date('2026-12-01T12:00:00Z'), outstanding: 7, oldestAgeMs: 90_000 },
      { at: new Date('2026-12-01T12:01:00Z'), outstanding: 3, oldestAgeMs: 90_000 },
    ]);
    expect(v.types.B!.at(-1)).toMatchObject({ outstanding: 0, oldestAgeMs: 0 });
    expect(v.types.A!.at(-3)).toMatchObject({ outstanding: null, oldestAgeMs: null });
    // The day view keeps the last sample of each quarter hour.
    expect((await r.activity.view('24h')).types.A!.at(-1)).toMatchObject({ outstanding: 3 });
  });

  it('a chart asked for later in the minute re-samples a sample over 5 s old; the timer\'s sample() keeps the minute\'s', async () => {
    const r = ring();
    r.backlog.push({ type: 'A', outstanding: 7, held: 0, waitingSince: null, now: new Date(T0) });
    await r.activity.sample();
    r.backlog[0]!.outstanding = 9;
    r.at(T0 + 4_000);
    expect((await r.activity.view('1h')).types.A!.at(-1)).toMatchObject({ outstanding: 7 });
    r.at(T0 + 6_000);
    await r.activity.sample();
    expect(r.samples()).toBe(1);
    expect((await r.activity.view('1h')).types.A!.at(-1)).toMatchObject({ outstanding: 9 });
    expect(r.samples()).toBe(2);
  });

  it('a failed sample leaves a gap and is reported; the counts still answer', async () => {
    let fail = true;
    const r = ring({ failSample: () => fail });
    r.activity.count('sent');
    const v = await r.activity.view('1h');
    expect(v.series.at(-1)!.sent).toBe(1);
    expect(v.types.A!.at(-1)).toMatchObject({ outstanding: null });
    expect(r.errors).toHaveLength(1);
    fail = false;
    expect((await r.activity.view('1h')).types.A!.at(-1)).toMatchObject({ outstanding: 0 });
  });
});

describe('the deliveries search box', () => {
  it('reads a Message-ID (brackets or not), an event id (event:N or N), else a recipient key', () => {
    expect(parseDeliverySearch('<delivery.12@shop.example>')).toEqual({ kind: 'messageId', deliveryId: 12, messageId: '<delivery.12@shop.example>' });
    expect(parseDeliverySearch(' delivery.12@shop.example ')).toEqual({ kind: 'messageId', deliveryId: 12, messageId: '<delivery.12@shop.example>' });
    expect(parseDeliverySearch('event:123')).toEqual({ kind: 'event', eventId: 123 });
    expect(parseDeliverySearch('123')).toEqual({ kind: 'event', eventId: 123 });
    expect(parseDeliverySearch('ann@shop.example')).toEqual({ kind: 'recipient', recipient: 'ann@shop.example' });
    expect(parseDeliverySearch('event:0')).toEqual({ kind: 'recipient', recipient: 'event:0' });
    expect(parseDeliverySearch('<other.1@x>')).toEqual({ kind: 'recipient', recipient: '<other.1@x>' });
  });
});
