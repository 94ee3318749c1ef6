/** The digest_runs row mapper. */
import { toDate } from './db.js';
import type { RunCounts, RunStatus, RunTrigger } from '../types.js';

export interface RunRow extends RunCounts {
  id: number;
  eventType: string;
  slotAt: Date | null;
  trigger: RunTrigger;
  status: RunStatus;
  owner: string;
  startedAt: Date;
  finishedAt: Date | null;
  error: string | null;
}

export const RUN_COLUMNS = `id, event_type AS eventType, slot_at AS slotAt, \`trigger\`, status, owner,
  events_claimed AS eventsClaimed, deliveries_created AS deliveriesCreated, deliveries_sent AS deliveriesSent,
  deliveries_failed AS deliveriesFailed, started_at AS startedAt, finished_at AS finishedAt, error`;

export const toRun = (r: Record<string, unknown>): RunRow => ({
  ...(r as unknown as RunRow),
  id: Number(r.id),
  slotAt: toDate(r.slotAt),
  startedAt: toDate(r.startedAt)!,
  finishedAt: toDate(r.finishedAt),
});
