import type { ScheduleStatus } from '../scheduler/status.js';
import { duration, table } from './format.js';

export function formatStatus(s: ScheduleStatus): string {
  const unknown = s.unknownTypes.map((t) => ({
    type: t.type,
    cadence: 'unknown type',
    outstanding: t.outstanding,
    held: null,
    oldest: t.oldestAgeSeconds == null ? null : duration(t.oldestAgeSeconds * 1000),
    'last run': null, 'next run': 'never (not configured)', sent: null, failed: null, dead: null, suppressed: null, cancelled: null, 'in flight': null,
  }));
  return table([...s.types.map((t) => ({
    type: t.type,
    cadence: t.cadence,
    outstanding: t.outstanding,
    held: t.held,
    oldest: t.oldestAgeSeconds == null ? null : duration(t.oldestAgeSeconds * 1000),
    'last run': t.lastRun ? `${t.lastRun.startedAt.toISOString()} ${t.lastRun.trigger} ${t.lastRun.status}` : null,
    'next run': t.nextRun instanceof Date ? t.nextRun.toISOString() : t.nextRun,
    sent: t.deliveries.sent,
    failed: t.deliveries.failed,
    dead: t.deliveries.dead,
    suppressed: t.deliveries.suppressed,
    cancelled: t.deliveries.cancelled,
    'in flight': t.deliveries.pending + t.deliveries.sending,
  })), ...unknown]);
}
