/**
 * `digest migrate` says what it did and probes SKIP LOCKED on MySQL;
 * `digest check` probes too. Commands that only read never create a
 * SQLite database.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import type { Db, Executor } from '../../src/store/db.js';
import { assertSkipsLocked, observeSkipLocked } from '../../src/store/skip-locked-probe.js';
import { runCli } from '../support/cli.js';
import { describeEngines } from '../support/engines.js';

describeEngines('digest migrate', (engine) => {
  it('on an empty database says it created the tables; again, that it is up to date', async () => {
    const { url, drop } = await engine.createEmpty();
    try {
      const first = await runCli(['migrate'], { DATABASE_URL: url });
      expect(first).toMatchObject({ code: 0, stderr: '' });
      expect(first.stdout).toMatch(/^created the digest tables \(\d+ migrations applied\)\n$/);
      const again = await runCli(['migrate'], { DATABASE_URL: url });
      expect(again).toEqual({ code: 0, stdout: 'database is up to date\n', stderr: '' });
    } finally {
      await drop();
    }
  });
});

describeEngines('SKIP LOCKED probe', (engine) => {
  it('passes on this engine: a row locked by one connection is skipped by another; the probe leaves no row', async () => {
    expect(await observeSkipLocked(engine.db)).toBe('skipped');
    expect(await engine.db.all('SELECT id FROM digest_workers')).toEqual([]);
  });

  it('refuses an engine that takes no lock for SKIP LOCKED, or waits instead of skipping (simulated by rewriting the clause)', async () => {
    const rewriting = (to: string): Db => {
      const wrap = (ex: Executor): Executor => ({
        dialect: ex.dialect,
        all: (sql, p) => ex.all(sql.replace(' FOR UPDATE SKIP LOCKED', to), p),
        run: (sql, p) => ex.run(sql, p),
      });
      return { ...engine.db, ...wrap(engine.db), transaction: (fn) => engine.db.transaction((tx) => fn(wrap(tx))) };
    };
    // A plain read, as TiDB/Dolt effectively do: the locked row comes back.
    await expect(assertSkipsLocked(rewriting(''))).rejects.toThrow(/does not skip locked rows: a row locked FOR UPDATE by one connection was returned/);
    // A locking read that waits: refused after the probe's 1 s lock wait.
    await expect(assertSkipsLocked(rewriting(' FOR UPDATE'))).rejects.toThrow(/waited for a row another connection had locked/);
    expect(await engine.db.all('SELECT id FROM digest_workers')).toEqual([]);
    await assertSkipsLocked(engine.db);
  });

  it('`digest check` reports it', async () => {
    const res = await runCli(['check'], { DATABASE_URL: engine.url });
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^database: SKIP LOCKED probe passed/m);
  });
}, ['mysql']);

describeEngines('read-only commands on a missing SQLite database', () => {
  it('fail with a clear message and create neither the folder nor the file', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'digest-missing-')), 'data');
    const env = { DATABASE_URL: `sqlite:${join(dir, 'digest.db')}` };
    for (const args of [['status'], ['run', 'now', 'Order.Created', '--dry-run'], ['retry', '--dead'], ['replay', '1'], ['run', 'now']]) {
      const res = await runCli(args, env);
      expect(res.code, args.join(' ')).toBe(1);
      expect(res.stderr).toBe(`digest: no database at ${join(dir, 'digest.db')}: run \`digest migrate\` to create it\n`);
    }
    const check = await runCli(['check'], env);
    expect(check.code).toBe(0);
    expect(existsSync(dir)).toBe(false);
  });
}, ['sqlite']);
