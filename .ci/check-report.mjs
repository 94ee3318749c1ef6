// Reads vitest's JSON report and fails unless the MySQL suites ran (none
// skipped) and everything passed. Prints the per-engine counts.
// With --cluster (the Galera suite's report): fails unless tests ran, none skipped.
import { readFileSync } from 'node:fs';

const report = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const tests = report.testResults.flatMap((file) => file.assertionResults);
const engineOf = (t) => /^\[(\w+)\]/.exec(t.ancestorTitles[0] ?? '')?.[1] ?? 'pure';
const counts = {};
for (const t of tests) {
  const c = (counts[engineOf(t)] ??= { passed: 0, failed: 0, skipped: 0 });
  if (t.status === 'passed') c.passed++;
  else if (t.status === 'failed') c.failed++;
  else c.skipped++;
}
for (const [engine, c] of Object.entries(counts)) console.log(`${engine}: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`);

const problems = [];
const required = process.argv.includes('--cluster') ? 'pure' : 'mysql';
const suite = counts[required] ?? { passed: 0, skipped: 0 };
const name = required === 'mysql' ? 'MySQL' : 'cluster';
if (suite.passed === 0) problems.push(`the ${name} suite did not run`);
const skipped = Object.values(counts).reduce((n, c) => n + c.skipped, 0);
if (skipped > 0) problems.push(`${skipped} test(s) were skipped`);
const total = Object.values(counts).reduce((a, c) => ({ passed: a.passed + c.passed, failed: a.failed + c.failed }), { passed: 0, failed: 0 });
if (total.failed > 0) problems.push(`${total.failed} test(s) failed`);
console.log(`${total.passed} passed, ${total.failed} failed`);
if (problems.length) {
  console.error(`CI check failed: ${problems.join('; ')}`);
  process.exit(1);
}
