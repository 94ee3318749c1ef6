import type { RunProgress } from '../runner/run.js';
import type { RunNowResult } from '../runner/run-now.js';
import { table } from './format.js';
import { count } from './progress.js';

/** The progress line of `run now` (cli/progress.ts): e.g. `run now Order.Created: 4,000 events, 3 runs, 3,990 sent, 2 failed…`. */
export const runNowProgress = (type: string, p: RunProgress) =>
  `run now ${type}: ${count(p.eventsClaimed)} events, ${count(p.runs)} run${p.runs === 1 ? '' : 's'}, ${count(p.deliveriesSent)} sent, ${count(p.deliveriesFailed)} failed…`;

export function formatRunNow(results: readonly RunNowResult[]): string {
  const out: string[] = [];
  for (const r of results) {
    if (!r.dryRun) continue;
    out.push(`# ${r.type}: ${r.messages.length} message(s) would be sent (dry run, nothing claimed)`);
    for (const m of r.messages) {
      out.push(`--- to ${m.to ?? m.recipient} (recipient ${m.recipient}, events ${m.events.join(', ')})`);
      if (m.suppressed) out.push(`SUPPRESSED (nothing would be sent): ${m.suppressed}`);
      if (m.error) out.push(`ERROR: ${m.error}`);
      // A mail transport's header fields (Subject among them); else the subject alone.
      if (m.headers) for (const [name, value] of Object.entries(m.headers)) out.push(`${name}: ${value}`);
      else if (m.subject) out.push(`Subject: ${m.subject}`);
      if (m.text) out.push(m.text);
    }
  }
  const runs = results.filter((r) => !r.dryRun).map((r) => ({ type: r.type, ...(r.dryRun ? {} : r.summary) }));
  if (runs.length) {
    out.push(table(runs.map((r) => ({
      type: r.type, run: r.runId, events: r.eventsClaimed, deliveries: r.deliveriesCreated, sent: r.deliveriesSent, failed: r.deliveriesFailed,
    }))));
  }
  return out.join('\n');
}
