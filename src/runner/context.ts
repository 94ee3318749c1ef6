import type { DigestConfig } from '../config/types.js';
import type { Registry } from '../handlers/registry.js';
import type { Lifecycle } from '../lifecycle.js';
import type { Logger } from '../log.js';
import type { Renderer } from '../render/renderer.js';
import type { Db } from '../store/db.js';
import type { Transport } from '../transports/transport.js';

/** Everything a run needs; built once by the composition root (src/app.ts). */
export interface RunnerContext {
  db: Db;
  config: DigestConfig;
  registry: Registry;
  renderer: Renderer;
  transports: ReadonlyMap<string, Transport>;
  logger: Logger;
  /** Where runs, deliveries and loops report what happened (logs and metrics subscribe to it). */
  lifecycle: Lifecycle;
  /** Who holds leases and runs: `<host>:<pid>:<random>`. */
  owner: string;
  /** Right-hand side of Message-IDs (runner/message-id.ts). */
  messageIdDomain: string;
  /** How long a claimed delivery stays ours before another worker may recover it. */
  leaseMs: number;
  /** First retry delay; doubles per attempt (default 10 s). */
  retryBaseMs?: number;
  random?: () => number;
  /** How long a transport that went down is left alone before a probe send (default 1 s, doubling to 60 s). */
  transportPause?: { baseMs?: number; maxMs?: number };
  /** Overrides every transport's own `concurrency` (sends in flight at once; see deliver-all.ts): tests pin it to 1. */
  deliveryConcurrency?: number;
  /**
   * A test seam, like River's stubbable time: "now" for every store statement
   * that compares or writes it (leases, due times, backoff, heartbeats,
   * ages). Absent, or returning undefined: the database clock, one clock
   * for all hosts — what production always uses. Tests move it instead of
   * sleeping until database time passes.
   */
  databaseNow?: () => Date | undefined;
}

export function typeConfig(ctx: RunnerContext, type: string) {
  const c = ctx.config.events[type];
  if (!c) throw new Error(`event type ${type} is not in the schedules config`);
  return c;
}
