/**
 * `retention:` in the schedules file: how long finished work is kept before
 * the scheduler (and `digest prune`) deletes it. `dead` deliveries and their
 * events are never pruned: they wait to be handled (`digest retry`).
 */
export interface Retention {
  /** Processed events, after `processed_at`. */
  eventsMs: number;
  /** Sent deliveries (with their rendered message), after `sent_at`. */
  deliveriesMs: number;
  /** Finished runs, after `finished_at`. */
  runsMs: number;
}

const DAY = 86_400_000;
export const DEFAULT_RETENTION: Retention = { eventsMs: 30 * DAY, deliveriesMs: 30 * DAY, runsMs: 30 * DAY };

const UNIT_MS: Record<string, number> = { d: DAY, h: 3_600_000, m: 60_000 };

/** `30d`, `12h`, `1d12h`, `90m`: at least one minute. Throws with a message for the key path. */
export function parseRetention(text: string): number {
  const compact = text.replace(/\s+/g, '').toLowerCase();
  if (!/^(\d+[dhm])+$/.test(compact)) throw new Error(`"${text}" is not a duration: use <n>d, <n>h or <n>m (e.g. 30d, 12h)`);
  let ms = 0;
  for (const [, n, unit] of compact.matchAll(/(\d+)([dhm])/g)) ms += Number(n) * UNIT_MS[unit!]!;
  if (!Number.isSafeInteger(ms) || ms < 60_000) throw new Error(`"${text}" must be between 1m and a few thousand years`);
  return ms;
}
