/**
 * The dashboard's live charts: deliveries sent / failed / dead per minute,
 * and per event type the outstanding count and the oldest outstanding age
 * over time (GET /v1/activity).
 *
 * Kept in memory, in fixed rings of one slot per minute for the last 24 h
 * (1,440 slots, however busy the system is), so a chart never scans
 * digest_deliveries:
 * - the counts are fed by the lifecycle events this process emits
 *   (delivery.sent, delivery.failed, delivery.dead), as the Prometheus
 *   counters are (metrics.ts). They are this process's sends: a fresh
 *   process starts with empty history (`since` says from when), and with
 *   several replicas each shows its own share. Sums across replicas are
 *   Prometheus's job (digest_deliveries, digest_send_duration_seconds_count).
 * - the per-type backlog is sampled from the status query (read-model.ts
 *   selectOutstandingStats, the one /metrics and /v1/schedules read, which
 *   reads only outstanding rows through an index) at most once a minute: on
 *   an unref'd timer and, lazily, when the chart is asked for (then again if
 *   the minute's sample is over 5 s old, so the bucket being filled is live). The database is the truth there, so every replica's samples
 *   agree.
 */
import type { LifecycleSubscriptions } from '../lifecycle.js';
import type { OutstandingStats } from '../store/read-model.js';

export const ACTIVITY_WINDOWS = ['1h', '24h'] as const;
export type ActivityWindow = (typeof ACTIVITY_WINDOWS)[number];

const MINUTE_MS = 60_000;
/** A chart's current bucket is re-sampled when its sample is older than this (one query per refresh at most). */
const FRESH_MS = 5_000;
const RING_MINUTES = 24 * 60;

/** 60 one-minute buckets for the hour, 96 quarter-hour buckets for the day. */
export const WINDOW_BUCKETS: Record<ActivityWindow, { bucketMs: number; buckets: number }> = {
  '1h': { bucketMs: MINUTE_MS, buckets: 60 },
  '24h': { bucketMs: 15 * MINUTE_MS, buckets: 96 },
};

export type DeliveryOutcome = 'sent' | 'failed' | 'dead';

export interface TypeSample {
  /** Unclaimed events (delayed and held ones included), null where nothing was sampled in the bucket. */
  outstanding: number | null;
  /** How long the longest-waiting due event has waited (0: none due), null where nothing was sampled. */
  oldestAgeMs: number | null;
}

export interface ActivityView {
  window: ActivityWindow;
  bucketMs: number;
  /** The time the view was computed for; the last bucket is the current, still filling one. */
  now: Date;
  /** When this process started counting: buckets before it are zero because nothing was known, not because nothing happened. */
  since: Date;
  /** Oldest first; `at` is the bucket's start. */
  series: Array<{ at: Date; sent: number; failed: number; dead: number }>;
  /** Per configured type, the same buckets: the last sample taken in each. */
  types: Record<string, Array<{ at: Date } & TypeSample>>;
}

export interface ActivitySource {
  /** The per-type backlog now (selectOutstandingStats on the app's database). */
  outstanding(): Promise<OutstandingStats[]>;
  /** The configured types, in the schedules file's order. */
  types(): string[];
  /** Injected time (tests); absent, the system clock. */
  now?: () => Date;
  /** Told when a sample fails (a database outage): the chart then has a gap, the counts still answer. */
  onSampleError?: (err: unknown) => void;
}

export interface Activity {
  /** Counts one delivery outcome in the current minute. */
  count(outcome: DeliveryOutcome): void;
  /** Counts delivery outcomes from the lifecycle events. Returns the unsubscribe function. */
  subscribe(lifecycle: LifecycleSubscriptions): () => void;
  /** Samples the backlog unless this minute's sample is younger than `maxAgeMs` (default: the minute; one query in flight at a time). */
  sample(maxAgeMs?: number): Promise<void>;
  /** Samples every minute on an unref'd timer until the returned function is called. */
  startSampling(): () => void;
  view(window: ActivityWindow): Promise<ActivityView>;
}

export function createActivity(source: ActivitySource): Activity {
  const now = () => source.now?.() ?? new Date();
  const since = now();
  // Slot = minute number mod 1,440; each slot remembers which minute it holds,
  // so a slot last written a day ago reads as empty instead of as today.
  const countMinute = new Float64Array(RING_MINUTES).fill(-1);
  const counts: Record<DeliveryOutcome, Uint32Array> = {
    sent: new Uint32Array(RING_MINUTES), failed: new Uint32Array(RING_MINUTES), dead: new Uint32Array(RING_MINUTES),
  };
  const sampleMinute = new Float64Array(RING_MINUTES).fill(-1);
  // When the current minute's sample was taken: a chart asked for later in the minute gets a fresh one.
  let lastSampleMs = -Infinity;
  const samples: Array<Map<string, { outstanding: number; oldestAgeMs: number }> | undefined> = new Array(RING_MINUTES);
  let inFlight: Promise<void> | undefined;

  const minuteOf = (d: Date) => Math.floor(d.getTime() / MINUTE_MS);
  const slotOf = (minute: number) => ((minute % RING_MINUTES) + RING_MINUTES) % RING_MINUTES;

  function count(outcome: DeliveryOutcome) {
    const minute = minuteOf(now());
    const slot = slotOf(minute);
    if (countMinute[slot] !== minute) {
      countMinute[slot] = minute;
      counts.sent[slot] = 0;
      counts.failed[slot] = 0;
      counts.dead[slot] = 0;
    }
    counts[outcome][slot]! += 1;
  }

  async function takeSample(minute: number) {
    try {
      const stats = await source.outstanding();
      const byType = new Map<string, { outstanding: number; oldestAgeMs: number }>();
      for (const s of stats) {
        byType.set(s.type, {
          outstanding: s.outstanding,
          // Measured against the database's now, like the status and /metrics ages.
          oldestAgeMs: s.waitingSince ? Math.max(0, s.now.getTime() - s.waitingSince.getTime()) : 0,
        });
      }
      const slot = slotOf(minute);
      sampleMinute[slot] = minute;
      samples[slot] = byType;
      lastSampleMs = now().getTime();
    } catch (err) {
      source.onSampleError?.(err);
    }
  }

  /** `maxAgeMs`: a sample of this minute younger than that is kept (the timer: the whole minute; a chart: FRESH_MS). */
  function sample(maxAgeMs = MINUTE_MS): Promise<void> {
    const at = now();
    const minute = minuteOf(at);
    if (sampleMinute[slotOf(minute)] === minute && at.getTime() - lastSampleMs < maxAgeMs) return Promise.resolve();
    if (!inFlight) {
      const p = takeSample(minute);
      inFlight = p;
      void p.finally(() => { if (inFlight === p) inFlight = undefined; });
    }
    return inFlight;
  }

  async function view(window: ActivityWindow): Promise<ActivityView> {
    // The bucket being filled shows the backlog as of a few seconds ago, not as of the minute's first sample.
    await sample(FRESH_MS);
    const at = now();
    const { bucketMs, buckets } = WINDOW_BUCKETS[window];
    const perBucket = bucketMs / MINUTE_MS;
    const lastStart = Math.floor(at.getTime() / bucketMs) * bucketMs;
    const firstMinute = (lastStart - (buckets - 1) * bucketMs) / MINUTE_MS;
    const types = source.types();
    const series: ActivityView['series'] = [];
    const byType: ActivityView['types'] = Object.fromEntries(types.map((t) => [t, []]));
    for (let b = 0; b < buckets; b++) {
      const start = firstMinute + b * perBucket;
      const row = { at: new Date(start * MINUTE_MS), sent: 0, failed: 0, dead: 0 };
      let latest: Map<string, { outstanding: number; oldestAgeMs: number }> | undefined;
      for (let m = start; m < start + perBucket; m++) {
        const slot = slotOf(m);
        if (countMinute[slot] === m) {
          row.sent += counts.sent[slot]!;
          row.failed += counts.failed[slot]!;
          row.dead += counts.dead[slot]!;
        }
        if (sampleMinute[slot] === m) latest = samples[slot];
      }
      series.push(row);
      for (const t of types) {
        const s = latest?.get(t);
        // A sample without the type: it had no outstanding events then.
        byType[t]!.push({ at: row.at, outstanding: latest ? s?.outstanding ?? 0 : null, oldestAgeMs: latest ? s?.oldestAgeMs ?? 0 : null });
      }
    }
    return { window, bucketMs, now: at, since, series, types: byType };
  }

  return {
    count,
    subscribe(lifecycle) {
      const offs = [
        lifecycle.on('delivery.sent', () => count('sent')),
        lifecycle.on('delivery.failed', () => count('failed')),
        lifecycle.on('delivery.dead', () => count('dead')),
      ];
      return () => { for (const off of offs) off(); };
    },
    sample,
    startSampling() {
      const timer = setInterval(() => void sample(), MINUTE_MS);
      // Never what keeps the process alive.
      timer.unref();
      void sample();
      return () => clearInterval(timer);
    },
    view,
  };
}
