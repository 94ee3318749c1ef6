/**
 * A private MariaDB server for one test file: its own datadir, port and
 * socket under a temp folder, so a test may stop and start it (a database
 * outage) without touching the shared server other test files use.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exec, freePort, sleep } from './processes.js';

export interface MariaDbInstance {
  port: number;
  /** mysql://root@127.0.0.1:<port>/ (no database: append one). */
  url: string;
  /** Starts mariadbd on the datadir; resolves with Date.now() of the first successful ping. */
  start(): Promise<number>;
  /** Graceful `mysqladmin shutdown`; resolves when the server process has exited. */
  stop(): Promise<void>;
  /** Kills the server (if running) and removes the datadir. */
  destroy(): Promise<void>;
  /** What the server wrote to stderr (its error log), for diagnostics. */
  log(): string;
  running(): boolean;
}

export async function createMariaDbInstance(): Promise<MariaDbInstance> {
  const dir = mkdtempSync(join(tmpdir(), 'digest-mariadb-'));
  const datadir = join(dir, 'data');
  const install = await exec('mariadb-install-db', [
    '--no-defaults', '--user=root', `--datadir=${datadir}`,
    '--auth-root-authentication-method=normal', '--skip-test-db',
  ], 60_000);
  if (install.code !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`mariadb-install-db failed (${install.code}): ${install.stderr || install.stdout}`);
  }
  const port = await freePort();
  const admin = (...args: string[]) =>
    exec('mysqladmin', ['--no-defaults', '--protocol=tcp', '-h127.0.0.1', `-P${port}`, '-uroot', '--connect-timeout=2', ...args], 10_000);

  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  let serverLog = '';

  // If the test process dies without its afterAll, don't leave a server behind.
  const killOnExit = () => child?.kill('SIGKILL');
  process.on('exit', killOnExit);

  const instance: MariaDbInstance = {
    port,
    url: `mysql://root@127.0.0.1:${port}/`,
    running: () => child != null,
    log: () => serverLog,
    async start() {
      if (child) throw new Error('mariadb instance is already running');
      const proc = spawn('mariadbd', [
        '--no-defaults', '--user=root', `--datadir=${datadir}`, `--port=${port}`, '--bind-address=127.0.0.1',
        `--socket=${join(dir, 'sock')}`, `--pid-file=${join(dir, 'pid')}`, '--skip-log-bin',
        '--innodb-buffer-pool-size=32M', '--skip-name-resolve',
      ], { stdio: ['ignore', 'ignore', 'pipe'] });
      child = proc;
      proc.stderr!.on('data', (c: Buffer) => { serverLog += c; });
      let gone = false;
      exited = new Promise((resolve) => proc.on('exit', () => {
        gone = true;
        if (child === proc) child = null;
        resolve();
      }));
      const deadline = Date.now() + 30_000;
      for (;;) {
        if (gone) throw new Error(`mariadbd exited during start-up:\n${serverLog}`);
        if ((await admin('ping')).code === 0) return Date.now();
        if (Date.now() > deadline) throw new Error(`mariadbd did not answer ping within 30 s:\n${serverLog}`);
        await sleep(25);
      }
    },
    async stop() {
      const proc = child;
      if (!proc) return;
      const done = exited;
      const res = await admin('shutdown');
      if (res.code !== 0) proc.kill('SIGTERM');
      const timedOut = await Promise.race([done.then(() => false), sleep(20_000).then(() => true)]);
      if (timedOut) {
        proc.kill('SIGKILL');
        await done;
      }
    },
    async destroy() {
      process.off('exit', killOnExit);
      const proc = child;
      if (proc) {
        const done = exited;
        proc.kill('SIGKILL');
        await Promise.race([done, sleep(5_000)]);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return instance;
}
