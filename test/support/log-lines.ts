/**
 * The scheduler logs JSON lines (pino) to stderr. A certification conflict
 * (Galera's ER_LOCK_DEADLOCK 1213 at COMMIT) is contention, like a lost
 * SKIP LOCKED race: at most a debug/info line, never an error.
 */
export interface LogLine { level: number; text: string }

export function logLines(stderr: string): LogLine[] {
  const out: LogLine[] = [];
  for (const text of stderr.split('\n')) {
    if (!text.trim()) continue;
    try {
      out.push({ level: Number((JSON.parse(text) as { level?: number }).level ?? 0), text });
    } catch {
      // Not pino's: a crash trace or a warning from node itself counts as an error.
      out.push({ level: 50, text });
    }
  }
  return out;
}

const CONFLICT = /deadlock|1213|ER_LOCK|conflict|certification|wsrep/i;

/** Error-level (pino 50 error, 60 fatal) lines about a conflict. */
export const conflictErrors = (stderr: string): string[] =>
  logLines(stderr).filter((l) => l.level >= 50 && CONFLICT.test(l.text)).map((l) => l.text);

/** How many lines a scheduler logged for lifecycle event `evt` (e.g. `page.claimed`, `db.conflict` at debug). */
export const countEvt = (stderr: string, evt: string): number => stderr.split(`"evt":"${evt}"`).length - 1;
