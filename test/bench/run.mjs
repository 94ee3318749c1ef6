// npm run bench: raw floor vs ours on DATABASE_URL (MySQL) or a temp SQLite file.
//   BENCH_SCALE=0.1          smaller sizes / shorter runs
//   BENCH_BACKLOG=1 | --backlog   also the 1M-event backlog drain (minutes)
//   --only=single1,single16,multi,drain,receipts,latency,windows,backlog   run a subset
//   BENCH_CPU_PROF=<dir>     --cpu-prof the child processes (scheduler, backlog drain)
import { loadavg } from 'node:os';
import { SCALE, SIZES, createBenchDb, log, rounds } from './common.mjs';
import { orderRowOf, rawClaimStamp, rawMulti, rawReceipts, rawSingle, rawTwoPhaseDrain } from './floor.mjs';
import { backlog } from './backlog.mjs';
import { latency } from './latency.mjs';
import { windows } from './windows.mjs';
import { orderEvent, oursDrain, oursReceipts, oursRecordMany, oursRecordSingle } from './ours.mjs';
import { report } from './report.mjs';

const args = process.argv.slice(2);
const onlyArg = args.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const wantBacklog = args.includes('--backlog') || process.env.BENCH_BACKLOG === '1' || /backlog/.test(onlyArg ?? '');
const only = new Set((onlyArg ?? 'single1,single16,multi,drain,receipts,latency,windows').split(',').concat(wantBacklog ? ['backlog'] : []));

const bench = await createBenchDb(process.env.DATABASE_URL);
log(`engine ${bench.engine}, database ${bench.name ?? bench.path}, scale ${SCALE}, sizes ${JSON.stringify(SIZES)}`);
const r = { engine: bench.engine, subset: onlyArg ?? null, scale: SCALE, sizes: SIZES, startedAt: new Date().toISOString(), settings: await bench.settings(), notes: [], loadavgAtStart: loadavg() };
const mysql = bench.engine === 'mysql';

try {
  if (only.has('single1')) {
    log(`single INSERT, 1 connection / 1 caller: ${SIZES.rounds} rounds of ${SIZES.singleSeconds}s each`);
    r.single1 = await rounds(bench, SIZES.rounds, { floor: () => rawSingle(bench, 1), ours: () => oursRecordSingle(bench, 1) });
  }
  if (only.has('single16')) {
    const c = SIZES.concurrency;
    log(`single INSERT, ${c} connections / callers: ${SIZES.rounds} rounds of ${SIZES.singleSeconds}s each`);
    r.single16 = await rounds(bench, SIZES.rounds, {
      floor: () => rawSingle(bench, c),
      ours: () => oursRecordSingle(bench, c),
      ...(mysql ? { oursPool16: () => oursRecordSingle(bench, c, c) } : {}),
    });
    if (mysql) {
      r.notes.push(`createDigest's default mysql2 pool (20 connections, src/store/mysql.ts) vs a pool of exactly ${c}: `
        + `${Math.round(r.single16.ours.perSec)}/s vs ${Math.round(r.single16.oursPool16.perSec)}/s.`);
    } else {
      r.notes.push('SQLite: no 16-connection raw floor (better-sqlite3 is synchronous; one process is one writer); '
        + 'record() with 16 concurrent callers is compared with the 1-connection raw rate.');
    }
  }
  if (only.has('multi')) {
    log(`multi-row INSERT, 1,000 rows per statement: ${SIZES.rounds} rounds of ${SIZES.multiRoundRows} rows each`);
    r.multi = await rounds(bench, SIZES.rounds, { floor: () => rawMulti(bench, SIZES.multiRoundRows), ours: () => oursRecordMany(bench, SIZES.multiRoundRows) });
  }
  if (only.has('drain')) {
    log(`drain: insert ${SIZES.multiRows} rows, claim+stamp them (raw, then again with a keyset cursor, then the two-phase floor)`);
    await bench.reset();
    const floorSeed = await rawMulti(bench);
    const floorDrain = await rawClaimStamp(bench);
    await bench.reset();
    await rawMulti(bench);
    const floorKeyset = await rawClaimStamp(bench, { keyset: true });
    await bench.reset();
    await rawMulti(bench);
    const floorTwoPhase = await rawTwoPhaseDrain(bench);
    log(`drain: recordMany ${SIZES.multiRows} events, then drain them (ours)`);
    await bench.reset();
    const oursSeed = await oursRecordMany(bench);
    const oursD = await oursDrain(bench);
    r.drain = { floor: floorDrain, floorKeyset, floorTwoPhase, ours: oursD, seed: { floor: floorSeed, ours: oursSeed } };
    if (floorKeyset.perSec > 1.3 * floorDrain.perSec) {
      r.notes.push(`the specified claim+stamp SQL (ORDER BY id LIMIT, no cursor) slows down as it drains: its plan walks over every row `
        + `already stamped (${Math.round(floorDrain.perSec)} rows/s); with a keyset cursor (id > last) the same loop does ${Math.round(floorKeyset.perSec)} rows/s.`);
    }
    if (floorTwoPhase.count !== SIZES.multiRows || floorTwoPhase.unprocessedAfter !== 0) {
      r.notes.push(`the two-phase floor drained ${floorTwoPhase.count} of ${SIZES.multiRows} events and left ${floorTwoPhase.unprocessedAfter} unlinked or unstamped`);
    }
    if (oursD.unprocessedAfter !== 0 || oursD.failed !== 0) r.notes.push(`drain left ${oursD.unprocessedAfter} events unprocessed, ${oursD.failed} deliveries failed`);
  }
  if (only.has('receipts')) {
    const n = SIZES.receipts;
    log(`receipts: insert ${n} Order.Created, one delivery per event in batches of ${SIZES.receiptsBatch} (raw); recordMany them, drain with runType (ours)`);
    await bench.reset();
    const floorSeed = await rawMulti(bench, n, SIZES.suppliers, orderRowOf);
    const floor = await rawReceipts(bench);
    await bench.reset();
    await rawMulti(bench, n, SIZES.suppliers, orderRowOf);
    const floorOneTx = await rawReceipts(bench, { oneTx: true });
    await bench.reset();
    const oursSeed = await oursRecordMany(bench, n, orderEvent);
    const ours = await oursReceipts(bench);
    r.receipts = { floor, floorOneTx, ours, seed: { floor: floorSeed, ours: oursSeed } };
    if (floor.count !== n) r.notes.push(`the receipts floor drained ${floor.count} of ${n} events`);
    if (ours.unprocessedAfter !== 0 || ours.failed !== 0) r.notes.push(`receipts left ${ours.unprocessedAfter} events unprocessed, ${ours.failed} deliveries failed`);
  }
  if (only.has('latency')) {
    log('immediate latency (scheduler child process + webhook)');
    await bench.reset();
    r.latency = await latency(bench);
  }
  if (only.has('windows')) {
    r.windows = await windows(bench);
    const w = r.windows;
    if (!w.hold.matchesFloor) r.notes.push('windows: ours held the events until other instants than the floor computed (see results.json windows.hold)');
    if (w.undelivered.length) r.notes.push(`windows: due passes delivered other counts than were due: ${JSON.stringify(w.undelivered)}`);
  }
  if (only.has('backlog')) {
    r.backlog = await backlog(bench);
  }
} finally {
  await bench.drop();
}
r.finishedAt = new Date().toISOString();
r.loadavgAtEnd = loadavg();
report(r);
