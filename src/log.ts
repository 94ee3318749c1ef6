import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * One JSON line per lifecycle event, each with a fixed `evt` name
 * (run.started, delivery.sent …; written by lifecycle-log.ts, the log
 * subscriber of src/lifecycle.ts). Logs go to stderr: stdout belongs to the
 * console transport and to CLI output. Never log payloads or addresses at info.
 */
export function createLogger(level = 'info'): Logger {
  return pino({ level, base: { pid: process.pid } }, pino.destination(2));
}

export const silentLogger: Logger = pino({ level: 'silent' });
