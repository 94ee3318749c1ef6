import type { PruneCounts } from '../runner/prune.js';
import { table } from './format.js';

/** A progress line every this many rows of one table: a large first prune shows it is moving. */
export const PROGRESS_EVERY = 10_000;

/** onProgress for pruneOld: one line each time a table's count passes another PROGRESS_EVERY rows. */
export function progressReporter(write: (line: string) => void) {
  const shown = new Map<string, number>();
  return (t: string, deleted: number) => {
    const step = Math.floor(deleted / PROGRESS_EVERY);
    if (step > (shown.get(t) ?? 0)) {
      shown.set(t, step);
      write(`pruning ${t}: ${deleted.toLocaleString('en')} deleted so far…`);
    }
  };
}

export function formatPrune(counts: PruneCounts, dryRun: boolean): string {
  const head = dryRun ? 'would delete' : 'deleted';
  const rows = table([
    { table: 'processed events', [head]: counts.events },
    { table: 'sent deliveries', [head]: counts.deliveries },
    { table: 'finished runs', [head]: counts.runs },
  ]);
  return dryRun ? `${rows}\ndry run, nothing deleted` : rows;
}
