import type { PruneCounts } from '../runner/prune.js';
import { table } from './format.js';
import { count } from './progress.js';

/** The progress line of a prune (cli/progress.ts): the table under way and its rows gone so far. */
export const pruneProgress = (table: string, deleted: number) => `prune: ${count(deleted)} ${table} deleted so far…`;

export function formatPrune(counts: PruneCounts, dryRun: boolean): string {
  const head = dryRun ? 'would delete' : 'deleted';
  const rows = table([
    { table: 'processed events', [head]: counts.events },
    { table: 'sent deliveries', [head]: counts.deliveries },
    { table: 'finished runs', [head]: counts.runs },
  ]);
  return dryRun ? `${rows}\ndry run, nothing deleted` : rows;
}
