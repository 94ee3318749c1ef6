/**
 * Finding deliveries stays cheap at any table size (issue 17: "fast with 1
 * million deliveries"): every filter combination of GET /v1/deliveries, and
 * the recipient page's reads, are answered by an index walk that stops after
 * a page — never a full scan of digest_deliveries or digest_events, never a
 * sort of the matching rows. Checked with EXPLAIN (MariaDB, after ANALYZE)
 * and EXPLAIN QUERY PLAN (SQLite, without statistics, as a fresh install
 * runs) over a few thousand rows spread like real ones.
 */
import { beforeAll, expect, it } from 'vitest';
import {
  deliveriesPageSql, type DeliveryPageQuery, FIRST_CREATED_FROM_SQL, LATEST_RUNS_OF_TYPE_SQL, RECIPIENT_OUTSTANDING_COUNT_SQL,
  recipientOutstandingPageSql, runDeliveriesPageSql,
} from '../../src/store/read-pages.js';
import { describeEngines, truncateAll } from '../support/engines.js';

type MysqlPlan = { table: string | null; type: string; key: string | null; Extra: string | null; rows: unknown };

describeEngines('finding deliveries (EXPLAIN)', (engine) => {
  beforeAll(async () => {
    await truncateAll(engine.db);
    // Raw multi-row INSERTs, 1,000 a statement: 5,000 deliveries of 5 types,
    // 5 statuses and 500 recipients over 5 days; 5,000 events, a tenth outstanding.
    const statuses = ['sent', 'sent', 'sent', 'dead', 'failed'];
    for (let b = 0; b < 5; b++) {
      await engine.db.run(`INSERT INTO digest_deliveries (run_id, event_type, recipient, group_key, status, transport, created_at) VALUES ${
        Array.from({ length: 1000 }, (_, i) => {
          const n = b * 1000 + i;
          const at = new Date(Date.UTC(2026, 10, 1) + n * 86_400_000 / 1000).toISOString().replace('T', ' ').replace('Z', '');
          return `(${b + 1}, 'T${n % 5}', 'r${n % 500}', 'r${n}', '${statuses[n % 5]}', 'x', '${at}')`;
        }).join(', ')}`);
      await engine.db.run(`INSERT INTO digest_events (type, recipient, payload, delivery_id) VALUES ${
        Array.from({ length: 1000 }, (_, i) => `('T${i % 5}', 'r${i % 500}', '{}', ${i % 10 === 0 ? 'NULL' : b * 1000 + i + 1})`).join(', ')}`);
    }
    if (engine.name === 'mysql') await engine.db.run('ANALYZE TABLE digest_events, digest_deliveries');
  });

  const mysqlPlan = (sql: string, params: unknown[]) => engine.db.all<MysqlPlan>(`EXPLAIN ${sql}`, params);
  const sqlitePlan = async (sql: string, params: unknown[]) =>
    (await engine.db.all<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`, params)).map((p) => p.detail).join('; ');

  /** No full scan (but the primary key walked backwards for "no filter at all"), no sort, no temporary table. */
  async function expectIndexed(label: string, sql: string, params: unknown[], opts: { pkWalk?: boolean } = {}) {
    if (engine.name === 'mysql') {
      const plan = await mysqlPlan(sql, params);
      expect(plan, label).toHaveLength(1);
      const p = plan[0]!;
      expect(p.Extra ?? '', `${label}: ${JSON.stringify(p)}`).not.toMatch(/filesort|temporary/i);
      expect(p.type, `${label}: ${JSON.stringify(p)}`).not.toBe('ALL');
      expect(p.key, `${label}: ${JSON.stringify(p)}`).not.toBeNull();
      if (opts.pkWalk) expect(p.key, `${label}: ${JSON.stringify(p)}`).toBe('PRIMARY');
      else if (p.type === 'index') {
        // MariaDB's ORDER BY … LIMIT plan: when a filter matches a large share
        // (a fifth of the rows here), walking the primary key backwards finds a
        // page within a few hundred rows and it says so in `rows`; for a rare
        // value the filter's (col, id) index is cheaper and chosen (below).
        expect(p.key, `${label}: ${JSON.stringify(p)}`).toBe('PRIMARY');
        expect(Number(p.rows), `${label}: ${JSON.stringify(p)}`).toBeLessThanOrEqual(1000);
      }
      return p;
    }
    const detail = await sqlitePlan(sql, params);
    expect(detail, label).not.toMatch(/TEMP B-TREE/);
    if (opts.pkWalk) expect(detail, label).toMatch(/^SCAN digest_deliveries$/);
    else expect(detail, label).toMatch(/^SEARCH /);
    return detail;
  }

  it('every combination of type, status, recipient, time range and cursor walks an index newest first, without a sort', async () => {
    const from = new Date('2026-11-03T00:00:00Z');
    const to = new Date('2026-11-04T00:00:00Z');
    const seen = new Map<string, unknown>();
    for (let mask = 0; mask < 32; mask++) {
      const f: DeliveryPageQuery = { limit: 50 };
      const names: string[] = [];
      if (mask & 1) { f.type = 'T2'; names.push('type'); }
      if (mask & 2) { f.status = 'dead'; names.push('status'); }
      if (mask & 4) { f.recipient = 'r42'; names.push('recipient'); }
      // The route turns a time range into ids first (selectFirstDeliveryIdCreatedFrom) and keeps the times as a check.
      if (mask & 8) { Object.assign(f, { from, to, fromId: 2000, toId: 3000 }); names.push('from/to'); }
      if (mask & 16) { f.beforeId = 2900; names.push('cursor'); }
      const { sql, params } = deliveriesPageSql(engine.db, f);
      const label = names.join('+') || 'no filter';
      seen.set(label, await expectIndexed(label, sql, params, { pkWalk: mask === 0 }));
    }
    // A rare status (none here) is found through its index, not by walking every row backwards.
    const rare = deliveriesPageSql(engine.db, { status: 'pending', limit: 50 });
    if (engine.name === 'mysql') {
      // MariaDB may take any index led by status and sort what it finds: it expects (and reads) next to nothing.
      const [p] = await mysqlPlan(rare.sql, rare.params);
      expect(p).toMatchObject({ type: 'ref', key: expect.stringMatching(/^digest_deliveries_(status_id|due|sent)$/) });
      expect(Number(p!.rows)).toBeLessThanOrEqual(10);
    } else expect(await expectIndexed('rare status', rare.sql, rare.params)).toMatch(/digest_deliveries_status_id/);
    // A search by Message-ID or event id is one row by primary key, whatever else is asked.
    const byId = deliveriesPageSql(engine.db, { id: 1234, type: 'T3', status: 'dead', limit: 50 });
    const plan = await expectIndexed('id', byId.sql, byId.params);
    if (engine.name === 'mysql') expect(plan).toMatchObject({ key: 'PRIMARY', type: 'const' });
    else expect(plan).toMatch(/USING INTEGER PRIMARY KEY \(rowid=\?\)/);
    expect(seen.size).toBe(32);
  });

  it('a time range becomes an id range through the created_at index, and the recipient page reads only that recipient\'s rows', async () => {
    await expectIndexed('first created from', FIRST_CREATED_FROM_SQL, ['2026-11-03 00:00:00.000']);
    await expectIndexed('event → delivery', 'SELECT delivery_id AS deliveryId FROM digest_events WHERE id = ?', [5]);
    for (const cursor of [false, true]) {
      await expectIndexed(`outstanding page${cursor ? ' + cursor' : ''}`, recipientOutstandingPageSql(engine.db, cursor), ['r42', ...(cursor ? [900] : []), 50]);
    }
    const count = await expectIndexed('outstanding count', RECIPIENT_OUTSTANDING_COUNT_SQL, ['r42']);
    if (engine.name === 'mysql') expect(count).toMatchObject({ key: 'digest_events_recipient' });
    else expect(count).toMatch(/digest_events_recipient/);
  });

  it('a type\'s latest runs walk the (event_type, started_at) index backwards, without a sort', async () => {
    await engine.db.run(`INSERT INTO digest_runs (event_type, \`trigger\`, status, owner, started_at) VALUES ${
      Array.from({ length: 2000 }, (_, i) => `('T${i % 5}', 'schedule', 'succeeded', 'o', '2026-11-0${1 + (i % 9)} 00:00:${String(i % 60).padStart(2, '0')}.000')`).join(', ')}`);
    if (engine.name === 'mysql') await engine.db.run('ANALYZE TABLE digest_runs');
    const sql = LATEST_RUNS_OF_TYPE_SQL;
    if (engine.name === 'mysql') {
      const [p] = await mysqlPlan(sql, ['T1', 20]);
      expect(p).toMatchObject({ key: 'digest_runs_type_started', type: expect.stringMatching(/^(ref|range)$/) });
      expect(p!.Extra ?? '').not.toMatch(/filesort|temporary/i);
    } else {
      const detail = await sqlitePlan(sql, ['T1', 20]);
      expect(detail).toMatch(/SEARCH digest_runs USING INDEX digest_runs_type_started \(event_type=\?\)/);
      expect(detail).not.toMatch(/TEMP B-TREE/);
    }
  });

  it('a run\'s deliveries walk the unique (run_id, group_key) index in key order, without a sort', async () => {
    for (const after of [false, true]) {
      const params = [3, ...(after ? ['r2500'] : []), 50];
      if (engine.name === 'mysql') {
        const [p] = await mysqlPlan(runDeliveriesPageSql(after), params);
        expect(p).toMatchObject({ key: 'digest_deliveries_group', type: expect.stringMatching(/^(ref|range)$/) });
        expect(p!.Extra ?? '').not.toMatch(/filesort|temporary/i);
      } else {
        const detail = await sqlitePlan(runDeliveriesPageSql(after), params);
        expect(detail).toMatch(/SEARCH digest_deliveries USING INDEX digest_deliveries_group \(run_id=\?/);
        expect(detail).not.toMatch(/TEMP B-TREE/);
      }
    }
  });
});
