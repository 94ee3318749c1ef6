// Turns the measurements into a table (stdout) and test/bench/results.json (one entry per engine).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const RESULTS = fileURLToPath(new URL('./results.json', import.meta.url));
const n = (x, d = 0) => (x == null ? '—' : Number(x).toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }));
const perSec = (m) => (m?.perSec == null ? (m?.skipped ? 'skipped' : '—')
  : `${n(m.perSec)}/s${m.samples?.length > 1 ? ` [${m.samples.map((x) => n(x)).join(', ')}]` : ''}`);
const ratioOf = (ours, floor) => (ours?.perSec && floor?.perSec ? ours.perSec / floor.perSec : null);
const verdict = (ok) => (ok == null ? 'n/a' : ok ? 'MET' : 'MISSED');

/** Rows of [measurement, raw floor, ours, ours ÷ floor, target, met]. */
export function rows(r) {
  const sqlite = r.engine === 'sqlite';
  const out = [];
  const pair = (label, floor, ours, min, floorNote = '') => {
    const ratio = ratioOf(ours, floor);
    out.push([label, perSec(floor) + floorNote, perSec(ours), ratio == null ? '—' : `${ratio.toFixed(2)}×`,
      min == null ? '(diagnostic)' : `≥ ${min}×`, min == null ? '' : verdict(ratio == null ? null : ratio >= min)]);
  };
  if (r.single1) pair('record() single, 1 caller  vs  INSERT, 1 conn', r.single1.floor, r.single1.ours, 0.85);
  if (r.single16) {
    pair(`record() single, 16 callers  vs  INSERT, 16 conns`, sqlite ? r.single1?.floor : r.single16.floor, r.single16.ours, 0.85,
      sqlite ? ' (1 conn: SQLite)' : '');
    if (r.single16.oursPool16) pair('  … same, pool of 16 (openMysql diagnostic)', r.single16.floor, r.single16.oursPool16, null);
  }
  if (r.multi) pair('recordMany(1,000)  vs  1,000-row INSERT', r.multi.floor, r.multi.ours, 0.8);
  if (r.drain?.seed) pair(`  … ${n(r.drain.seed.floor.count)}-row drain seed, 1 run`, r.drain.seed.floor, r.drain.seed.ours, null);
  if (r.drain) {
    pair(`drain ${n(r.drain.floor.count)} events  vs  claim+stamp`, r.drain.floor, r.drain.ours, 0.6);
    if (r.drain.floorKeyset) pair('  … same, claim+stamp with keyset `id > last`', r.drain.floorKeyset, r.drain.ours, null);
    if (r.drain.floorTwoPhase) pair('  … same, two-phase floor (link at claim, stamp after send)', r.drain.floorTwoPhase, r.drain.ours, null);
    out.push(['  … drain deliveries/s', '', `${n(r.drain.ours.deliveriesPerSec)}/s`, '', '', '']);
  }
  if (r.receipts) {
    const { floor, floorOneTx, ours, seed } = r.receipts;
    pair(`receipts (${n(Math.round((floor.count || ours.count) / 1000))}k Order.Created, one message per event)`, floor, ours, 0.7);
    // The issue's absolute target holds on MySQL/MariaDB only (measured on the 2-core box).
    if (!sqlite) out.push(['  … ours vs 25,000 events/s (MySQL/MariaDB)', '', perSec(ours), '', '≥ 25,000/s', verdict(ours?.perSec == null ? null : ours.perSec >= 25_000)]);
    if (floorOneTx) pair('  … same, floor in one transaction per batch (born sent)', floorOneTx, ours, null);
    if (seed) pair(`  … ${n(seed.floor.count)}-row receipts seed, 1 run`, seed.floor, seed.ours, null);
  }
  if (r.latency) {
    const l = r.latency;
    out.push([`immediate latency @ ${l.targetRate}/s × ${l.seconds}s p50`, '', `${n(l.p50, 1)} ms`, '', '≤ 50 ms', verdict(l.p50 != null && l.p50 <= 50)]);
    out.push(['  … p95', '', `${n(l.p95, 1)} ms`, '', '', '']);
    out.push(['  … p99', '', `${n(l.p99, 1)} ms`, '', '≤ 250 ms', verdict(l.p99 != null && l.p99 <= 250)]);
    out.push(['  … delivered / recorded (missing, dup)', '', `${n(l.received)} / ${n(l.recorded)} (${l.missing}, ${l.duplicates})`, '', 'all', verdict(l.missing === 0)]);
    if (l.warmup) {
      out.push([`  … cold start, first ${l.warmup.seconds}s before it: p50 / p99`, '', `${n(l.warmup.p50, 1)} / ${n(l.warmup.p99, 1)} ms`, '', '(diagnostic)', '']);
    }
    for (const a of [l.api, l.apiSparse].filter(Boolean)) {
      out.push([`POSTed to its own /v1/events @ ${a.rate ?? l.targetRate}/s × ${a.seconds}s p50 (send → webhook)`, '', `${n(a.p50, 1)} ms`, '', '≤ 5 ms', verdict(a.p50 != null && a.p50 <= 5)]);
      out.push(['  … p99; delivered / recorded (missing); POST round trip', '', `${n(a.p99, 1)} ms; ${n(a.received)} / ${n(a.recorded)} (${a.missing})${a.postP50 != null ? `; POST answered p50 ${n(a.postP50, 1)} ms` : ''}`, '', 'all', verdict(a.missing === 0)]);
    }
  }
  if (r.windows) {
    const w = r.windows;
    const cell = (m) => (m ? `${n(m.count)} in ${n(m.ms)} ms (${n(m.perSec)}/s)` : '—');
    const ratio = (ours, floor) => { const x = ratioOf(ours, floor); return x == null ? '—' : `${x.toFixed(2)}×`; };
    out.push([`windows: hold pass, ${n(w.recipients)} fresh events / ${w.zones} zones → held to 09:00 local`, cell(w.hold.floor), cell(w.hold.ours),
      ratio(w.hold.ours, w.hold.floor), '(diagnostic)', w.hold.matchesFloor ? 'same instants' : 'DIFFERENT instants']);
    for (const z of [1, 2, 4, 6]) {
      const d = w[`due${z}`];
      if (!d?.ours) continue;
      out.push([`  … due pass, ${z} zone${z > 1 ? 's' : ''} due (median of ${d.samplesMs.ours.length})`, cell(d.floor), cell(d.ours), ratio(d.ours, d.floor), '(diagnostic)', '']);
    }
    const per = [1, 2, 4, 6].map((z) => w[`due${z}`]?.ours?.msPerRecipient);
    const largest = per[3] ?? per[2];
    const bounded = per[0] != null && largest != null ? largest <= 1.25 * per[0] : null;
    out.push(['  … ms per due recipient, 1 / 2 / 4 / 6 zones', [1, 2, 4].map((z) => n(w[`due${z}`]?.floor?.msPerRecipient, 3)).join(' / '),
      per.map((x) => n(x, 3)).join(' / '), '', 'largest ≤ 1.25× 1 zone', verdict(bounded)]);
    const oursDue = w.passes.filter((p) => p.who === 'ours');
    const peak = Math.max(...oursDue.map((p) => p.peakRssMb));
    const growth = Math.max(...oursDue.map((p) => p.rssGrowthMb));
    const heap = Math.max(...oursDue.map((p) => p.heapGrowthMb));
    const kept = Math.max(...oursDue.map((p) => p.retainedHeapMb ?? NaN));
    out.push(['  … due passes: peak RSS (growth over the app\'s baseline); heap growth, retained after GC', '',
      `${n(peak, 1)} MB (+${n(growth, 1)} MB); heap +${n(heap, 1)} MB, kept ${Number.isNaN(kept) ? '—' : `${n(kept, 1)} MB`}`, '', '≤ 256 MB', verdict(peak <= 256)]);
    out.push([`  … idle due pass, nothing due (median of ${w.idle.ours.times})`, `${n(w.idle.floor.medianMs, 2)} ms`, `${n(w.idle.ours.medianMs, 2)} ms`, '', '≤ 5 ms', verdict(w.idle.ours.medianMs <= 5)]);
  }
  if (r.backlog) {
    const b = r.backlog;
    out.push([`backlog ${n(b.seeded)} events / ${n(b.recipients)} recipients: peak RSS`, '', `${n(b.peakRssMb, 1)} MB`, '', '≤ 256 MB', verdict(b.peakRssMb <= 256)]);
    const vs = r.drain?.ours?.perSec ? b.perSec / r.drain.ours.perSec : null;
    out.push(['  … drain rate vs the 200k drain', '', `${n(b.perSec)}/s`, vs == null ? '—' : `${vs.toFixed(2)}×`, '≥ 0.8×', verdict(vs == null ? null : vs >= 0.8)]);
    out.push(['  … longest transaction (p99, n)', '', `${n(b.longestTxMs)} ms (${n(b.p99TxMs)} ms, ${n(b.transactions)})`, '', '', '']);
  }
  return out;
}

function table(header, body) {
  const all = [header, ...body];
  const w = header.map((_, i) => Math.max(...all.map((r) => String(r[i]).length)));
  const line = (r) => `| ${r.map((c, i) => String(c).padEnd(w[i])).join(' | ')} |`;
  return [line(header), `|${w.map((x) => '-'.repeat(x + 2)).join('|')}|`, ...body.map(line)].join('\n');
}

export function report(r) {
  const load = (l) => l?.map((x) => x.toFixed(1)).join(' ');
  const head = `digest bench — ${r.engine} — scale ${r.scale} — ${r.finishedAt} — load avg ${load(r.loadavgAtStart)} → ${load(r.loadavgAtEnd)}\n`
    + `single-row and multi-row rates: median of ${r.sizes.rounds} alternating rounds (${r.sizes.singleSeconds}s / ${n(r.sizes.multiRoundRows)} rows each) [all rounds]\n`
    + `server: ${Object.entries(r.settings).map(([k, v]) => `${k}=${v}`).join(', ')}\n`;
  const text = head + table(['measurement', 'raw floor', 'ours', 'ours ÷ floor', 'target', 'met'], rows(r));
  process.stdout.write(`${text}\n`);
  if (r.notes?.length) process.stdout.write(`${r.notes.map((x) => `note: ${x}`).join('\n')}\n`);
  let all = {};
  try { if (existsSync(RESULTS)) all = JSON.parse(readFileSync(RESULTS, 'utf8')); } catch { all = {}; }
  // A full run replaces its engine's entry; a --only run is kept beside it.
  all[r.subset ? `${r.engine}:${r.subset}` : r.engine] = { ...r, table: rows(r) };
  writeFileSync(RESULTS, `${JSON.stringify(all, null, 2)}\n`);
  process.stdout.write(`wrote ${RESULTS} (${Object.keys(all).join(', ')})\n`);
}
