// Send windows at scale (issue 15): SIZES.windowRecipients recipient profiles
// over 24 time zones with distinct UTC offsets, one Purchase.Requested event
// each, the type delivering at the recipient's local 09:00 (`deliverAt`).
// Time is injected (AppOptions.databaseNow), so every slot comes on demand.
//
//   hold pass  ours: runType (trigger immediate) claims every fresh event and
//              holds it until its recipient's next 09:00 (held_until);
//              floor: the events' ids with their recipients' time zones in one
//              SELECT, each zone's next 09:00 computed here, then
//              UPDATE … SET held_until = ? WHERE id IN (1,000 ids).
//   due pass   at an instant when exactly 1 (2, 4) zones' slot has come:
//              ours: runDue (null transport) in a fresh child process
//              (time, deliveries, peak RSS and heap over its baseline);
//              floor: pages of 1,000 due events through the held-time range,
//              per page a claim transaction (select, one multi-row INSERT of
//              the deliveries born `sending` with their slot and slot key, the
//              link, held_until back to NULL) and a send-commit transaction
//              (deliveries sent, events stamped), as rawTwoPhaseDrain does.
//              Last, ours alone: the remaining 6 zones at once (a quarter).
//   idle pass  nothing due: runDue vs the floor's probe (SELECT DISTINCT type
//              … WHERE held_until <= now), median of several.
// Floor and ours alternate over distinct zones (each due pass takes zones no
// earlier pass took), so both see the same table and the same due sizes.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { dialectSql, nowSql } from '../../dist/src/store/db.js';
import { SIZES, log, now, percentile, rate, rawMysql, rawSqlite } from './common.mjs';

const SELF = fileURLToPath(import.meta.url);
const TYPE = 'Purchase.Requested';
const HOUR = 3_600_000;

/**
 * 24 zones, in the order their 09:00 comes after T0 (2027-01-15 09:30 UTC):
 * the first at 10:00 UTC, then one an hour. Distinct UTC offsets on that day,
 * -10 … +13; those marked DST observe it (northern winter / southern summer
 * on the day), none changes within the bench's 24 hours.
 */
export const ZONES = [
  'Atlantic/Cape_Verde', // -1
  'America/Noronha', // -2
  'America/Sao_Paulo', // -3
  'America/Halifax', // -4 DST
  'America/New_York', // -5 DST
  'America/Chicago', // -6 DST
  'America/Denver', // -7 DST
  'America/Los_Angeles', // -8 DST
  'America/Anchorage', // -9 DST
  'Pacific/Honolulu', // -10
  'Pacific/Auckland', // +13 DST (summer)
  'Pacific/Tarawa', // +12
  'Australia/Sydney', // +11 DST (summer)
  'Australia/Brisbane', // +10
  'Asia/Tokyo', // +9
  'Asia/Singapore', // +8
  'Asia/Bangkok', // +7
  'Asia/Dhaka', // +6
  'Asia/Karachi', // +5
  'Asia/Dubai', // +4
  'Europe/Moscow', // +3
  'Europe/Helsinki', // +2 DST
  'Europe/Berlin', // +1 DST
  'Europe/London', // 0 DST
];
export const T0 = new Date('2027-01-15T09:30:00.000Z');
/** The events' occurred/available/recorded time: a minute before the hold pass. */
const RECORDED = new Date(T0.getTime() - 60_000);
const DELIVER_AT_MINUTES = 9 * 60;

/** The zone's UTC offset at `at`, in minutes (Intl, independent of src/). */
function offsetMinutes(zone, at) {
  const name = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' })
    .formatToParts(at).find((p) => p.type === 'timeZoneName').value; // "GMT+13:00", "GMT"
  const m = /GMT([+-])(\d\d):(\d\d)/.exec(name);
  return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
}

/** The zone's first local 09:00 after `after` (no DST change in between: see ZONES). */
export function nextNine(zone, after) {
  const off = offsetMinutes(zone, after);
  const dayStart = Math.floor((after.getTime() + off * 60_000) / 86_400_000) * 86_400_000; // local midnight, as UTC ms
  let t = dayStart + DELIVER_AT_MINUTES * 60_000 - off * 60_000;
  while (t <= after.getTime()) t += 86_400_000;
  return new Date(t);
}

/** When the k-th zone's slot comes (ZONES order), and an instant `z` zones from k are due: 30 s after the last one's slot. */
const slotOf = (k) => nextNine(ZONES[k], T0);
const dueInstant = (k, z) => new Date(slotOf(k + z - 1).getTime() + 30_000);

const dbTime = (d) => d.toISOString().replace('T', ' ').replace('Z', '');
const recipientOf = (i) => `SUP-${String(i).padStart(7, '0')}`;
const zoneOf = (i) => ZONES[i % ZONES.length];
const payloadOf = (i) => ({
  request_id: `REQ-${i}`, supplier_id: recipientOf(i), supplier_email: `orders@supplier-${i}.example`,
  customer_email: `customer-${i % 9973}@shop.example`, item: `Item ${i % 500}, blue, size M`, quantity: 1 + (i % 7),
});
const slotKey = (recipient, slot) => createHash('sha256').update(JSON.stringify([TYPE, recipient, slot.toISOString()])).digest('hex');

/** A connection with one surface over both engines: all(sql, params), run(sql, params) → { affectedRows, insertId }, tx(fn). */
async function connect(bench) {
  if (bench.engine === 'sqlite') {
    const c = rawSqlite(bench.path);
    const cache = new Map();
    const stmt = (sql) => cache.get(sql) ?? cache.set(sql, c.prepare(sql)).get(sql);
    return {
      sqlite: true,
      all: async (sql, p = []) => stmt(sql).all(...p),
      run: async (sql, p = []) => { const r = stmt(sql).run(...p); return { affectedRows: r.changes, insertId: Number(r.lastInsertRowid), step: 1, last: true }; },
      exec: async (sql) => c.exec(sql),
      begin: async () => c.exec('BEGIN IMMEDIATE'),
      commit: async () => c.exec('COMMIT'),
      close: async () => c.close(),
    };
  }
  const c = await rawMysql(bench.url);
  const [[{ step }]] = await c.query('SELECT @@auto_increment_increment AS step');
  return {
    sqlite: false,
    all: async (sql, p = []) => (await c.query(sql, p))[0],
    run: async (sql, p = []) => { const [r] = await c.query(sql, p); return { affectedRows: r.affectedRows, insertId: Number(r.insertId), step: Number(step), last: false }; },
    exec: async (sql) => c.query(sql),
    begin: () => c.beginTransaction(),
    commit: () => c.commit(),
    close: () => c.end(),
  };
}

const qs = (n) => Array(n).fill('?').join(', ');

/** Untimed setup: every table empty (the bench's reset leaves profiles), then profiles and events by raw multi-row INSERTs. */
async function seed(bench, n) {
  await bench.reset();
  const c = await connect(bench);
  await c.run('DELETE FROM digest_recipients');
  const t0 = now();
  const per = 1000;
  if (c.sqlite) await c.begin();
  for (let i = 0; i < n; i += per) {
    const k = Math.min(per, n - i);
    const ids = Array.from({ length: k }, (_, j) => i + j);
    await c.run(`INSERT INTO digest_recipients (recipient, time_zone, locale, quiet_start, quiet_end, preferences, updated_at)
      VALUES ${Array(k).fill("(?, ?, NULL, NULL, NULL, '{}', ?)").join(', ')}`, ids.flatMap((x) => [recipientOf(x), zoneOf(x), dbTime(RECORDED)]));
    await c.run(`INSERT INTO digest_events (type, recipient, payload, occurred_at, available_at, recorded_at)
      VALUES ${Array(k).fill('(?, ?, ?, ?, ?, ?)').join(', ')}`,
    ids.flatMap((x) => [TYPE, recipientOf(x), JSON.stringify(payloadOf(x)), dbTime(RECORDED), dbTime(RECORDED), dbTime(RECORDED)]));
  }
  if (c.sqlite) await c.commit();
  // No ANALYZE: the library runs none (src/store/db.ts), and statistics
  // taken now, every held_until NULL, would steer SQLite off the held index.
  const ms = now() - t0;
  await c.close();
  return { recipients: n, events: n, ms };
}

/**
 * The hold floor: the fresh events' ids with their recipients' zones (one
 * SELECT through the claim index and the profiles' primary key), each zone's
 * next 09:00 computed once, then UPDATE held_until by id, 1,000 ids a
 * statement (autocommit), one instant per statement.
 */
async function rawHold(bench) {
  const c = await connect(bench);
  const at = T0;
  const t0 = now();
  const rows = await c.all(`SELECT e.id, r.time_zone FROM digest_events e JOIN digest_recipients r ON r.recipient = e.recipient
    WHERE e.type = ? AND e.delivery_id IS NULL AND e.held_until IS NULL AND e.available_at <= ?`, [TYPE, dbTime(at)]);
  const untilOf = new Map();
  const byUntil = new Map();
  for (const r of rows) {
    let u = untilOf.get(r.time_zone);
    if (u == null) untilOf.set(r.time_zone, (u = dbTime(nextNine(r.time_zone, at))));
    const ids = byUntil.get(u) ?? [];
    ids.push(r.id);
    byUntil.set(u, ids);
  }
  let statements = 0;
  let held = 0;
  for (const [u, ids] of byUntil) {
    for (let i = 0; i < ids.length; i += 1000) {
      const part = ids.slice(i, i + 1000);
      held += (await c.run(`UPDATE digest_events SET held_until = ? WHERE delivery_id IS NULL AND id IN (${qs(part.length)})`, [u, ...part])).affectedRows;
      statements++;
    }
  }
  const ms = now() - t0;
  await c.close();
  return { count: held, statements, instants: byUntil.size, ms, perSec: rate(held, ms) };
}

const DUE_SQL = (sqlite) => `SELECT id, recipient, payload, held_until AS heldUntil FROM digest_events
  ${sqlite ? 'INDEXED BY digest_events_held' : 'FORCE INDEX (digest_events_held)'} WHERE held_until <= ? AND type = ? AND delivery_id IS NULL LIMIT ?${sqlite ? '' : ' FOR UPDATE SKIP LOCKED'}`;

/**
 * The due floor at `at`: pages of 1,000 due held events (a range of the
 * held index, digest_events_held (held_until, type), named in the query;
 * what a page links leaves it, so no cursor), one delivery per
 * recipient. Per page, the claim transaction (the select, one multi-row
 * INSERT born `sending` with a small rendered subject/text and the slot and
 * its unique slot key, the link UPDATE … CASE with held_until = NULL) and
 * the send-commit transaction (deliveries sent, events stamped).
 */
async function rawDue(bench, at) {
  const c = await connect(bench);
  const ts = c.sqlite ? "strftime('%Y-%m-%d %H:%M:%f','now')" : 'UTC_TIMESTAMP(3)';
  const cols = '(run_id, event_type, recipient, group_key, transport, status, attempts, address, subject, text, slot_at, slot_key)';
  const page = 1000;
  let events = 0;
  let deliveries = 0;
  let pages = 0;
  const t0 = now();
  for (;;) {
    await c.begin();
    const found = await c.all(DUE_SQL(c.sqlite), [dbTime(at), TYPE, page]);
    if (!found.length) { await c.commit(); break; }
    const by = new Map();
    for (const e of found) (by.get(e.recipient) ?? by.set(e.recipient, []).get(e.recipient)).push(e);
    const groups = [...by];
    const n = groups.length;
    const ins = await c.run(`INSERT INTO digest_deliveries ${cols} VALUES ${Array(n).fill("(0, ?, ?, ?, 'null', 'sending', 1, ?, ?, ?, ?, ?)").join(', ')}`,
      groups.flatMap(([recipient, es]) => {
        const p = typeof es[0].payload === 'string' ? JSON.parse(es[0].payload) : es[0].payload;
        const slot = es[0].heldUntil instanceof Date ? es[0].heldUntil : new Date(`${String(es[0].heldUntil).replace(' ', 'T')}Z`);
        return [TYPE, recipient, recipient, p.supplier_email, `${es.length} new purchase requests`,
          `Hello ${p.supplier_email}, you have ${es.length} new purchase requests, the first ${p.request_id}.`, dbTime(slot), slotKey(recipient, slot)];
      }));
    const first = ins.last ? ins.insertId - n + 1 : ins.insertId;
    const deliveryIds = groups.map((_, k) => first + k * ins.step);
    const eventIds = groups.flatMap(([, es]) => es.map((e) => e.id));
    await c.run(`UPDATE digest_events SET delivery_id = CASE ${groups.map(([, es]) => `WHEN id IN (${qs(es.length)}) THEN ?`).join(' ')} END, held_until = NULL
      WHERE id IN (${qs(eventIds.length)})`, [...groups.flatMap(([, es], k) => [...es.map((e) => e.id), deliveryIds[k]]), ...eventIds]);
    await c.commit();
    // (the send)
    await c.begin();
    await c.run(`UPDATE digest_deliveries SET status = 'sent', sent_at = ${ts}, updated_at = ${ts} WHERE id IN (${qs(n)})`, deliveryIds);
    await c.run(`UPDATE digest_events SET processed_at = ${ts} WHERE id IN (${qs(eventIds.length)})`, eventIds);
    await c.commit();
    events += eventIds.length;
    deliveries += n;
    pages++;
  }
  const ms = now() - t0;
  await c.close();
  return { count: events, deliveries, pages, ms, perSec: rate(events, ms), msPerRecipient: deliveries ? ms / deliveries : null };
}

/**
 * The floor's idle probe, `times` times: which types have held events due
 * (the held index's range, empty). SQLite is told the index: without
 * statistics it would scan the claim index instead (see plans()).
 */
async function rawIdle(bench, at, times) {
  const c = await connect(bench);
  const ms = [];
  for (let i = 0; i < times; i++) {
    const t0 = now();
    await c.all(`SELECT DISTINCT type FROM digest_events${c.sqlite ? ' INDEXED BY digest_events_held' : ''} WHERE held_until <= ?`, [dbTime(at)]);
    ms.push(now() - t0);
  }
  await c.close();
  ms.sort((a, b) => a - b);
  return { times, medianMs: percentile(ms, 50), maxMs: ms[ms.length - 1] };
}

/** The plans of the due pass's queries at `at` (EXPLAIN / EXPLAIN QUERY PLAN), for results.json. */
async function plans(bench, at) {
  const c = await connect(bench);
  const nowExpr = nowSql(c.sqlite ? 'sqlite' : 'mysql'); // the library's own "now" (src/store/db.ts)
  const queries = {
    // As src/store/event-holds.ts selectDueHeldTypes asks it (with its index hint, if the build has one).
    dueTypes: [`SELECT DISTINCT type FROM digest_events${dialectSql[c.sqlite ? 'sqlite' : 'mysql'].heldIndex ?? ''} WHERE held_until <= ${nowExpr}`, [dbTime(at)]],
    windowCandidates: [`SELECT recipient, COUNT(*) AS outstanding, MIN(available_at) AS since FROM digest_events
      WHERE type = ? AND delivery_id IS NULL AND held_until <= ${nowExpr} AND available_at <= ${nowExpr}
      GROUP BY recipient ORDER BY recipient LIMIT ?`, [TYPE, dbTime(at), dbTime(at), 1000]],
    floorDue: [DUE_SQL(c.sqlite).replace(' FOR UPDATE SKIP LOCKED', ''), [dbTime(at), TYPE, 1000]],
  };
  const out = {};
  for (const [k, [sql, p]] of Object.entries(queries)) {
    const rows = await c.all(`${c.sqlite ? 'EXPLAIN QUERY PLAN' : 'EXPLAIN'} ${sql}`, p);
    out[k] = c.sqlite ? rows.map((r) => r.detail).join('; ')
      : rows.map((r) => `${r.table}: type=${r.type} key=${r.key} rows=${r.rows} ${r.Extra ?? ''}`.trim()).join('; ');
  }
  await c.close();
  return out;
}

/** Held events by instant, and anything left neither held nor claimed: ours' hold checked against the floor's. */
async function heldShape(bench) {
  const c = await connect(bench);
  const rows = await c.all('SELECT held_until AS u, COUNT(*) AS n FROM digest_events WHERE delivery_id IS NULL GROUP BY held_until');
  await c.close();
  return Object.fromEntries(rows.map((r) => [r.u == null ? 'null' : (r.u instanceof Date ? dbTime(r.u) : String(r.u)), Number(r.n)]));
}

async function unhold(bench) {
  const c = await connect(bench);
  await c.run('UPDATE digest_events SET held_until = NULL');
  await c.close();
}

/** Runs this file as a child: `mode` at the injected instant `at`; returns its JSON. */
async function inChild(bench, mode, at, extra = []) {
  const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const child = spawn(process.execPath, ['--expose-gc', ...prof, SELF, mode, bench.url, at.toISOString(), ...extra], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  const code = await new Promise((r) => child.on('exit', r));
  if (code !== 0) throw new Error(`windows child (${mode}) exited ${code}`);
  return JSON.parse(out);
}

/** Parent side: seed, the hold pass (floor, then ours on the same rows), idle passes, then due passes alternating floor/ours. */
export async function windows(bench) {
  const n = SIZES.windowRecipients;
  const zoneSizes = ZONES.map((_, k) => Math.floor(n / ZONES.length) + (k < n % ZONES.length ? 1 : 0));
  log(`windows: seeding ${n} recipient profiles over ${ZONES.length} zones, one ${TYPE} each (deliverAt 09:00)`);
  const seeded = await seed(bench, n);
  log(`windows: seeded in ${(seeded.ms / 1000).toFixed(1)} s; hold pass at ${T0.toISOString()} (floor, then ours)`);
  const floorHold = await rawHold(bench);
  const expected = await heldShape(bench);
  await unhold(bench);
  const oursHold = await inChild(bench, 'hold', T0);
  const got = await heldShape(bench);
  const holdMatches = JSON.stringify(Object.entries(got).sort()) === JSON.stringify(Object.entries(expected).sort());

  const idleAt = new Date(T0.getTime() + 15 * 60_000);
  log(`windows: idle due passes at ${idleAt.toISOString()} (nothing due)`);
  const idleTimes = 20;
  const floorIdle = await rawIdle(bench, idleAt, idleTimes);
  const oursIdle = await inChild(bench, 'idle', idleAt, [String(idleTimes)]);

  const explain = await plans(bench, dueInstant(0, 1));
  // Each due pass takes the next `z` zones; floor and ours alternate.
  // The last 6 zones (a quarter of the recipients) then come due at once, for ours alone: the largest due pass.
  const schedule = [['floor', 1], ['ours', 1], ['floor', 1], ['ours', 1], ['floor', 1], ['ours', 1], ['floor', 2], ['ours', 2], ['floor', 4], ['ours', 4], ['ours', 6]];
  const due = [];
  let k = 0;
  for (const [who, z] of schedule) {
    const at = dueInstant(k, z);
    const expect = zoneSizes.slice(k, k + z).reduce((a, b) => a + b, 0);
    log(`windows: due pass (${who}) at ${at.toISOString()}: ${z} zone(s) (${ZONES.slice(k, k + z).join(', ')}), ${expect} recipients due`);
    const m = who === 'floor' ? await rawDue(bench, at) : await inChild(bench, 'due', at);
    due.push({ who, zones: z, zoneNames: ZONES.slice(k, k + z), at: at.toISOString(), expected: expect, ...m });
    k += z;
  }
  const left = await heldShape(bench);
  const median = (xs) => { const s = [...xs].sort((a, b) => a.ms - b.ms); return s[Math.floor((s.length - 1) / 2)]; };
  const pick = (who, z) => due.filter((d) => d.who === who && d.zones === z);
  const pair = (z) => ({ floor: median(pick('floor', z)), ours: median(pick('ours', z)), samplesMs: { floor: pick('floor', z).map((d) => Math.round(d.ms)), ours: pick('ours', z).map((d) => Math.round(d.ms)) } });
  return {
    recipients: n, zones: ZONES.length, zoneSizes, seed: seeded, explain,
    hold: { floor: floorHold, ours: oursHold, matchesFloor: holdMatches, ...(holdMatches ? {} : { expected, got }) },
    idle: { floor: floorIdle, ours: oursIdle },
    due1: pair(1), due2: pair(2), due4: pair(4), due6: pair(6), passes: due,
    undelivered: due.filter((d) => (d.deliveries ?? 0) !== d.expected).map((d) => ({ who: d.who, at: d.at, expected: d.expected, deliveries: d.deliveries })),
    heldAfter: left,
  };
}

/** Child side: one app at the injected instant; `hold` runs the type's immediate claim, `due` one runDue, `idle` runDue `times` times. */
async function child(mode, url, atIso, times) {
  const { createApp } = await import('../../dist/src/app.js');
  const { parseSchedules } = await import('../../dist/src/config/schedules.js');
  const { runType } = await import('../../dist/src/runner/run.js');
  const { runDue } = await import('../../dist/src/runner/run-due.js');
  const { silentLogger } = await import('../../dist/src/log.js');
  const { handlers, TEMPLATES } = await import('./ours.mjs');
  const at = new Date(atIso);
  const config = parseSchedules(`
timezone: UTC
transports:
  "null": { kind: console }
events:
  ${TYPE}: { deliverAt: "09:00", transport: "null" }
`, {});
  const app = await createApp({
    databaseUrl: url, config, handlers, templatesDir: TEMPLATES, logger: silentLogger, databaseNow: () => at,
    transports: { null: { name: 'null', concurrency: 256, send: async () => {} } },
  });
  // BENCH_WINDOWS_SQL=1: every statement of the pass timed by shape (as breakdown.mjs does), in the child's JSON as `sql`.
  const stats = new Map();
  if (process.env.BENCH_WINDOWS_SQL === '1') {
    const add = (key, ms) => { const x = stats.get(key) ?? { n: 0, ms: 0 }; x.n++; x.ms += ms; stats.set(key, x); };
    const shape = (sql) => sql.replace(/\s+/g, ' ').trim().replace(/\(\?(, \?)*\)/g, '(…)').replace(/(, \(…\))+/g, ', …').slice(0, 160);
    const timed = (ex, where) => ({
      dialect: ex.dialect,
      all: async (sql, p) => { const t = now(); try { return await ex.all(sql, p); } finally { add(`${where} ${shape(sql)}`, now() - t); } },
      run: async (sql, p) => { const t = now(); try { return await ex.run(sql, p); } finally { add(`${where} ${shape(sql)}`, now() - t); } },
    });
    const db = app.ctx.db;
    app.ctx.db = { ...db, ...timed(db, 'auto'), transaction: async (fn) => {
      const t = now();
      try { return await db.transaction((tx) => fn(timed(tx, 'tx'))); } finally { add('TRANSACTION (total)', now() - t); }
    } };
  }
  const mb = (b) => Math.round((b / 2 ** 20) * 10) / 10;
  global.gc?.();
  const base = process.memoryUsage();
  let peakRss = base.rss;
  let peakHeap = base.heapUsed;
  const sample = () => { const m = process.memoryUsage(); peakRss = Math.max(peakRss, m.rss); peakHeap = Math.max(peakHeap, m.heapUsed); };
  const timer = setInterval(sample, 10);
  const sum = (rs) => rs.reduce((a, r) => ({
    eventsClaimed: a.eventsClaimed + r.eventsClaimed, deliveriesSent: a.deliveriesSent + r.deliveriesSent, deliveriesFailed: a.deliveriesFailed + r.deliveriesFailed,
  }), { eventsClaimed: 0, deliveriesSent: 0, deliveriesFailed: 0 });
  let out;
  if (mode === 'idle') {
    const ms = [];
    let s = null;
    for (let i = 0; i < times; i++) {
      const t0 = now();
      s = sum(await runDue(app.ctx));
      ms.push(now() - t0);
    }
    ms.sort((a, b) => a - b);
    out = { times, medianMs: percentile(ms, 50), maxMs: ms[ms.length - 1], deliveries: s.deliveriesSent };
  } else {
    const t0 = now();
    const s = mode === 'hold' ? await runType(app.ctx, { type: TYPE, trigger: 'immediate' }) : sum(await runDue(app.ctx));
    const ms = now() - t0;
    if (mode === 'hold') {
      const [h] = await app.ctx.db.all('SELECT COUNT(*) AS n FROM digest_events WHERE held_until IS NOT NULL AND delivery_id IS NULL');
      out = { count: Number(h.n), claimed: s.eventsClaimed, ms, perSec: rate(Number(h.n), ms) };
    } else {
      out = { count: s.eventsClaimed, deliveries: s.deliveriesSent, failed: s.deliveriesFailed, ms, perSec: rate(s.eventsClaimed, ms),
        msPerRecipient: s.deliveriesSent ? ms / s.deliveriesSent : null };
    }
  }
  clearInterval(timer);
  sample();
  // What the pass left behind (after a full GC): peak heap growth alone may be garbage not yet collected.
  global.gc?.();
  const after = process.memoryUsage();
  await app.close();
  process.stdout.write(JSON.stringify({
    ...out, baselineRssMb: mb(base.rss), peakRssMb: mb(peakRss), rssGrowthMb: mb(peakRss - base.rss),
    baselineHeapMb: mb(base.heapUsed), peakHeapMb: mb(peakHeap), heapGrowthMb: mb(peakHeap - base.heapUsed),
    retainedHeapMb: mb(after.heapUsed - base.heapUsed),
    ...(stats.size ? { sql: [...stats].sort((a, b) => b[1].ms - a[1].ms).slice(0, 12).map(([k, v]) => ({ ms: Math.round(v.ms), n: v.n, sql: k })) } : {}),
  }));
}

if (process.argv[1] === SELF) await child(process.argv[2], process.argv[3], process.argv[4], Number(process.argv[5] ?? 1));
