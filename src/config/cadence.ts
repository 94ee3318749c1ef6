/**
 * Cadence text from the schedules file (`immediate`, `every 15m`, a cron
 * expression) parsed once into a typed Cadence; the slot math that uses it
 * is config/slots.ts.
 */
import { IANAZone } from 'luxon';
import type { Cadence } from '../types.js';
import { parseCron } from './cron.js';

const UNIT_MS: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000 };

/** Parses `immediate`, `every 15m` / `every 1h30m`, or a cron expression. Throws Error. */
export function parseCadence(text: string, timezone: string): Cadence {
  const trimmed = text.trim().replace(/\s+/g, ' ');
  if (/^immediate$/i.test(trimmed)) return { kind: 'immediate', text: 'immediate' };
  if (!IANAZone.isValidZone(timezone)) throw new Error(`unknown time zone "${timezone}"`);
  const every = /^every\s+(.+)$/i.exec(trimmed);
  if (every) return { kind: 'every', text: trimmed, ms: parseDuration(every[1]!, trimmed), timezone };
  if (!trimmed.includes(' ') && !trimmed.startsWith('@')) {
    throw new Error(`"${trimmed}" is not a cadence: use immediate, every <duration> or a cron expression`);
  }
  parseCron(trimmed);
  return { kind: 'cron', text: trimmed, timezone };
}

function parseDuration(spec: string, text: string): number {
  const compact = spec.replace(/\s+/g, '').toLowerCase();
  if (!/^(\d+[dhms])+$/.test(compact)) {
    throw new Error(`"${text}" is not a valid interval: use every <n><unit> with unit s, m, h or d (e.g. every 15m, every 1h30m)`);
  }
  let ms = 0;
  for (const [, n, unit] of compact.matchAll(/(\d+)([dhms])/g)) ms += Number(n) * UNIT_MS[unit!]!;
  if (!Number.isSafeInteger(ms)) throw new Error(`"${text}" is too long an interval`);
  if (ms < 1_000) throw new Error(`"${text}": the interval must be at least 1s`);
  return ms;
}
