/**
 * The lease request's `visibility`: how long a consumer holds what it leased
 * before it returns to the pool. `30s`, `1500ms`, `5m`, `2h`, `1m30s`, or a
 * bare number of seconds; between 1 s (shorter would expire while the
 * answer is on its way) and 12 h (longer hides a dead consumer's deliveries
 * for too long).
 */
export const MIN_VISIBILITY_MS = 1_000;
export const MAX_VISIBILITY_MS = 12 * 3_600_000;
export const DEFAULT_VISIBILITY = '30s';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** Milliseconds, or an Error whose message is the rule broken (the caller names the field). */
export function parseVisibility(text: string): number | Error {
  const compact = text.replace(/\s+/g, '').toLowerCase();
  let ms: number;
  if (/^\d+$/.test(compact)) ms = Number(compact) * 1_000;
  else if (/^(\d+(ms|s|m|h))+$/.test(compact)) {
    ms = 0;
    for (const [, n, unit] of compact.matchAll(/(\d+)(ms|s|m|h)/g)) ms += Number(n) * UNIT_MS[unit!]!;
  } else return new Error(`${JSON.stringify(text)} is not a duration: use e.g. 30s, 5m, 1h or 1500ms`);
  if (!Number.isSafeInteger(ms) || ms < MIN_VISIBILITY_MS || ms > MAX_VISIBILITY_MS) {
    return new Error(`${JSON.stringify(text)} must be between 1s and 12h`);
  }
  return ms;
}
