import type { RunnerContext } from './context.js';
import { previewType, type PreviewMessage } from './preview.js';
import { type RunProgress, runType, type RunSummary } from './run.js';

export interface RunNowOptions {
  /** One type, or every configured type when omitted. */
  type?: string;
  recipient?: string;
  /** Render and return what would be sent; claim nothing. */
  dryRun?: boolean;
  /** After each page a type's run sends: how far it has come (not called on a dry run). */
  onProgress?: (type: string, progress: RunProgress) => void;
}

export type RunNowResult =
  | { type: string; dryRun: false; summary: RunSummary }
  | { type: string; dryRun: true; messages: PreviewMessage[] };

/** `run now`: runs types immediately, regardless of their cadence (trigger 'manual'). */
export async function runNow(ctx: RunnerContext, opts: RunNowOptions = {}): Promise<RunNowResult[]> {
  const types = opts.type ? [ctx.registry.require(opts.type).type] : Object.keys(ctx.config.events);
  const results: RunNowResult[] = [];
  for (const type of types) {
    if (!ctx.config.events[type]) throw new Error(`event type ${type} has a handler but is not in the schedules config`);
    results.push(opts.dryRun
      ? { type, dryRun: true, messages: await previewType(ctx, type, opts.recipient) }
      : { type, dryRun: false, summary: await runType(ctx, { type, trigger: 'manual', recipient: opts.recipient, onProgress: opts.onProgress && ((p) => opts.onProgress!(type, p)) }) });
  }
  return results;
}
