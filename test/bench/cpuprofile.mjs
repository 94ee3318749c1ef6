// Summarises a `node --cpu-prof` profile: self time by function and by module,
// and inclusive time of the library's own functions.
//   node test/bench/cpuprofile.mjs <file.cpuprofile> [top=25]
import { readFileSync } from 'node:fs';

const [file, topArg] = process.argv.slice(2);
const top = Number(topArg ?? 25);
const p = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const dt = new Map();
for (let i = 0; i < p.samples.length; i++) dt.set(p.samples[i], (dt.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
const total = [...dt.values()].reduce((a, b) => a + b, 0);

const where = (cf) => {
  const u = cf.url.replace(/^file:\/\//, '');
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(u);
  if (m) return m[1];
  if (u.includes('/dist/src/')) return `digest:${u.split('/dist/src/')[1]}`;
  if (u.includes('/test/bench/')) return `bench:${u.split('/test/bench/')[1]}`;
  return u ? (u.startsWith('node:') ? u : u.split('/').slice(-2).join('/')) : `(${cf.functionName || 'native'})`;
};
const self = new Map();
const mod = new Map();
for (const n of p.nodes) {
  const t = dt.get(n.id) ?? 0;
  const key = `${n.callFrame.functionName || '(anonymous)'}  ${where(n.callFrame)}:${n.callFrame.lineNumber + 1}`;
  self.set(key, (self.get(key) ?? 0) + t);
  const m = where(n.callFrame);
  mod.set(m, (mod.get(m) ?? 0) + t);
}
// Inclusive time of each digest function (counted once per sample stack).
const parent = new Map();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const incl = new Map();
for (const [id, t] of dt) {
  const seen = new Set();
  for (let cur = id; cur != null; cur = parent.get(cur)) {
    const cf = byId.get(cur).callFrame;
    if (!cf.url.includes('/dist/src/')) continue;
    const key = `${cf.functionName || '(anonymous)'}  ${where(cf)}`;
    if (!seen.has(key)) { seen.add(key); incl.set(key, (incl.get(key) ?? 0) + t); }
  }
}
const pct = (t) => `${((100 * t) / total).toFixed(1).padStart(5)}%  ${(t / 1000).toFixed(0).padStart(7)} ms`;
const show = (title, m, k) => {
  console.log(`\n${title}`);
  for (const [name, t] of [...m].sort((a, b) => b[1] - a[1]).slice(0, k)) console.log(`${pct(t)}  ${name}`);
};
console.log(`${file}: ${(total / 1000).toFixed(0)} ms sampled`);
show('self time by module', mod, 15);
show('self time by function', self, top);
show('inclusive time, digest functions', incl, top);
