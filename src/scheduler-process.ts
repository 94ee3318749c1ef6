/**
 * `digest scheduler` as an operating-system process: signals and exit codes
 * around a DigestScheduler. The exit itself is the caller's (src/cli.ts is
 * the only file that calls process.exit), handed in as `exit`.
 *
 * Exit codes: 0 stopped cleanly; 1 the shutdown grace ran out (leases hand
 * the unfinished sends to another replica); 130 a second signal.
 */
import type { DigestScheduler } from './scheduler-service.js';

export async function runUntilSignalled(service: DigestScheduler, exit: (code: number) => void): Promise<void> {
  const graceMs = service.app.env.shutdownGraceMs;
  let stopping = false;
  const onSignal = (signal: string) => {
    // Second signal: leave now; leases hand unfinished work to another replica.
    if (stopping) return exit(130);
    stopping = true;
    service.app.ctx.lifecycle.emit('scheduler.signal', { signal });
    // Claiming stops at once; in-flight sends get the grace period, then we
    // leave anyway (their leases expire and another replica re-sends them).
    setTimeout(() => exit(1), graceMs + 2_000).unref();
    void service.stop().then((finished) => exit(finished ? 0 : 1));
  };
  // Installed before any work starts: a SIGTERM must never find work in flight without them.
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  await service.start();
  await service.done;
  exit(0);
}
