/**
 * Prometheus metrics, on a Registry of our own (never prom-client's global
 * one, so two apps in one process — tests, embedding — never share series).
 *
 * Counters and histograms are fed by the POST and DELETE event routes (countRecorded, countCancelled) and by
 * the runner's lifecycle events, which `subscribe` turns into observations
 * (run.finished, delivery.sent, delivery.suppressed, transport.down/up, page.claimed, db.conflict). Database-derived
 * gauges are computed at scrape time in collect() callbacks: the database is
 * the truth across N replicas, so every replica reports the same staleness
 * and nothing has to be kept in sync in memory.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DigestConfig } from '../config/types.js';
import type { LifecycleSubscriptions } from '../lifecycle.js';
import type { Logger } from '../log.js';
import type { RunSummary } from '../runner/run.js';
import type { Db } from '../store/db.js';
import { DELIVERY_STATUSES } from '../types.js';
import { selectDeliveryCounts, selectLastSuccessfulRun, selectOutstandingStats } from '../store/read-model.js';
import { ageSeconds } from '../clock.js';

/** What the routes call, and what the lifecycle subscription feeds. */
export interface MetricsHooks {
  /** `n` events of `type` were recorded (POST /v1/events, record()). */
  countRecorded(type: string, n?: number): void;
  /** An outstanding event of `type` was cancelled (DELETE /v1/events). */
  countCancelled(type: string): void;
  /** One run finished. Polls that claimed nothing (runId null) and skipped slots are not runs and are ignored. */
  observeRun(type: string, trigger: string, seconds: number, summary: Pick<RunSummary, 'runId' | 'skipped' | 'eventsClaimed'>): void;
  /** One delivery was handed to its transport (success or failure). */
  observeSend(type: string, transport: string, seconds: number): void;
  /** A transport went down (nobody answered) or came back up. */
  setTransportUp(transport: string, up: boolean): void;
}

export interface Metrics extends MetricsHooks {
  registry: Registry;
  /** Observes runs, sends and transport state from the lifecycle events. Returns the unsubscribe function. */
  subscribe(lifecycle: LifecycleSubscriptions): () => void;
}

/** Where the scrape-time gauges read from: the app's database and configured types. */
export interface MetricsSource {
  db: Db;
  config: DigestConfig;
  logger: Logger;
  /** Test seam: the time ages are measured against (RunnerContext.databaseNow); absent, the database clock. */
  databaseNow?: () => Date | undefined;
}

export function createMetrics(source: MetricsSource): Metrics {
  const registry = new Registry();
  const registers = [registry];
  const types = () => Object.keys(source.config.events);
  // Three gauges read the outstanding stats, and one scrape starts their
  // collect()s together: they share the query in flight, and a read that
  // starts after it settled is a new one (nothing is kept across scrapes).
  let inFlight: ReturnType<typeof selectOutstandingStats> | undefined;
  const outstandingStats = () => {
    if (!inFlight) {
      const query = selectOutstandingStats(source.db, source.databaseNow?.());
      inFlight = query;
      const clear = () => { if (inFlight === query) inFlight = undefined; };
      query.then(clear, clear);
    }
    return inFlight;
  };
  // A scrape during a database outage still answers (counters, process
  // metrics); the database gauges are left empty rather than stale.
  const fromDb = async (gauge: Gauge<string>, name: string, fill: () => Promise<void>) => {
    gauge.reset();
    try {
      await fill();
    } catch (err) {
      gauge.reset();
      source.logger.warn({ evt: 'metrics.collect_failed', metric: name, err: err instanceof Error ? err.message : String(err) });
    }
  };

  const recorded = new Counter({ name: 'digest_events_recorded_total', help: 'Events recorded, by type.', labelNames: ['type'], registers });
  const processed = new Counter({
    name: 'digest_events_processed_total', help: 'Events claimed and taken through render/send by a run, by type.', labelNames: ['type'], registers,
  });
  const sendDuration = new Histogram({
    name: 'digest_send_duration_seconds', help: 'Time a transport took to accept (or reject) one delivery.',
    labelNames: ['type', 'transport'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers,
  });
  const runDuration = new Histogram({
    name: 'digest_run_duration_seconds', help: 'Duration of runs that claimed events, by type and trigger.',
    labelNames: ['type', 'trigger'], buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900], registers,
  });

  // In memory, per process: whether this replica's sends reach the transport.
  // 1 until a send finds it unreachable; back to 1 when a probe send is answered.
  const transportUp = new Gauge({
    name: 'digest_transport_up', help: 'Whether the transport answers this process\'s sends (1) or is paused after an outage (0).',
    labelNames: ['transport'], registers,
  });
  for (const name of Object.keys(source.config.transports)) transportUp.set({ transport: name }, 1);
  new Gauge({
    name: 'digest_deliveries', help: 'Deliveries by type and status (from the database at scrape time).',
    labelNames: ['type', 'status'], registers,
    async collect() {
      await fromDb(this, 'digest_deliveries', async () => {
        // Every configured type × status is present (0 when none), so
        // `digest_deliveries{status="dead"} > 0` alerts never see a gap.
        for (const type of types()) for (const status of DELIVERY_STATUSES) this.set({ type, status }, 0);
        for (const c of await selectDeliveryCounts(source.db)) this.set({ type: c.eventType, status: c.status }, c.n);
      });
    },
  });
  // A count from the outstanding stats, per configured type (0 for a type with none).
  const perTypeCount = (name: string, help: string, count: 'outstanding' | 'held') => new Gauge({
    name, help, labelNames: ['type'], registers,
    async collect() {
      await fromDb(this, name, async () => {
        const stats = await outstandingStats();
        for (const type of types()) this.set({ type }, stats.find((x) => x.type === type)?.[count] ?? 0);
      });
    },
  });
  perTypeCount('digest_outstanding_events', 'Unclaimed events, delayed and held ones included, by configured type.', 'outstanding');
  perTypeCount('digest_held_events',
    'Outstanding events held for their recipients\' send windows or quiet hours, not yet due (not late: waiting on purpose).', 'held');
  new Gauge({
    name: 'digest_unknown_type_outstanding_events',
    help: 'Outstanding events whose type is not in the schedules file (direct SQL, a removed type): nothing will process them.',
    registers,
    async collect() {
      await fromDb(this, 'digest_unknown_type_outstanding_events', async () => {
        const configured = new Set(types());
        const stats = await outstandingStats();
        this.set(stats.filter((x) => !configured.has(x.type)).reduce((n, x) => n + x.outstanding, 0));
      });
    },
  });
  new Gauge({
    name: 'digest_oldest_outstanding_event_age_seconds',
    help: 'How long the longest-waiting due, unclaimed event has waited since it was recorded (or became available, or its hold ended); 0 when none.',
    labelNames: ['type'], registers,
    async collect() {
      await fromDb(this, 'digest_oldest_outstanding_event_age_seconds', async () => {
        const stats = await outstandingStats();
        for (const type of types()) {
          const o = stats.find((x) => x.type === type);
          this.set({ type }, o?.waitingSince ? ageSeconds(o.waitingSince, o.now) : 0);
        }
      });
    },
  });
  new Gauge({
    name: 'digest_seconds_since_last_successful_run',
    help: 'Seconds since the type\'s last succeeded run finished; absent until the type has had one.',
    labelNames: ['type'], registers,
    async collect() {
      await fromDb(this, 'digest_seconds_since_last_successful_run', async () => {
        for (const type of types()) {
          const last = await selectLastSuccessfulRun(source.db, type, source.databaseNow?.());
          if (last) this.set({ type }, ageSeconds(last.finishedAt, last.now));
        }
      });
    },
  });
  const claims = new Counter({
    name: 'digest_claims_total', help: 'Claim transactions that committed with events, by type.', labelNames: ['type'], registers,
  });
  const suppressed = new Counter({
    name: 'digest_deliveries_suppressed_total',
    help: 'Deliveries not sent, by type: their address is on the suppression list, or their recipient turned the type off.', labelNames: ['type'], registers,
  });
  const cancelled = new Counter({
    name: 'digest_events_cancelled_total',
    help: 'Outstanding events cancelled through this process\'s API, by type (each linked to a delivery born cancelled: digest_deliveries{status="cancelled"} counts them all).',
    labelNames: ['type'], registers,
  });
  const conflicts = new Counter({
    name: 'digest_db_conflicts_total',
    help: 'Transactions and statements run again after losing a race (deadlock, lock wait timeout, Galera certification), by error code.',
    labelNames: ['code'], registers,
  });
  // Process health (memory, event-loop lag, file descriptors) under the standard
  // unprefixed names, so stock Node.js dashboards work.
  collectDefaultMetrics({ register: registry });

  const metrics: Metrics = {
    registry,
    countRecorded(type, n = 1) {
      if (n > 0) recorded.inc({ type }, n);
    },
    countCancelled(type) {
      cancelled.inc({ type });
    },
    observeRun(type, trigger, seconds, summary) {
      // The immediate loop polls every 200 ms; empty polls would bury real runs in the histogram.
      if (summary.skipped || summary.runId == null) return;
      runDuration.observe({ type, trigger }, seconds);
      if (summary.eventsClaimed > 0) processed.inc({ type }, summary.eventsClaimed);
    },
    observeSend(type, transport, seconds) {
      sendDuration.observe({ type, transport }, seconds);
    },
    setTransportUp(transport, up) {
      transportUp.set({ transport }, up ? 1 : 0);
    },
    subscribe(lifecycle) {
      const offs = [
        // run.finished comes only from runs with a row: empty polls and skipped slots never reach the histogram.
        lifecycle.on('run.finished', (e) => metrics.observeRun(e.type, e.trigger, e.durationMs / 1000, { runId: e.runId, skipped: false, eventsClaimed: e.eventsClaimed })),
        // A pull consumer's ack took no send of ours: its time is not the transport's.
        lifecycle.on('delivery.sent', (e) => {
          if (source.config.transports[e.transport]?.kind !== 'pull') metrics.observeSend(e.type, e.transport, e.sendMs / 1000);
        }),
        lifecycle.on('transport.down', (e) => metrics.setTransportUp(e.transport, false)),
        lifecycle.on('transport.up', (e) => metrics.setTransportUp(e.transport, true)),
        lifecycle.on('page.claimed', (e) => claims.inc({ type: e.type })),
        lifecycle.on('delivery.suppressed', (e) => suppressed.inc({ type: e.type })),
        lifecycle.on('db.conflict', (e) => conflicts.inc({ code: e.code })),
      ];
      return () => { for (const off of offs) off(); };
    },
  };
  return metrics;
}
