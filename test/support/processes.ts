/** What the private database servers of the tests (mariadb-instance.ts, galera-cluster.ts) share: running tools, picking ports. */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';

export interface Exec { code: number; stdout: string; stderr: string; timedOut: boolean }

/**
 * Runs a tool to completion; never rejects: the exit code says how it went.
 * The bound is hard: the tool runs in its own process group, and at the
 * timeout the whole group gets SIGKILL. (execFile's timeout only sends
 * SIGTERM and then waits for the exit, which a server busy in start-up, such
 * as `mariadbd --wsrep-recover`, may never give: that wait hung the Galera
 * suite.) A timed-out run reports code 124, as timeout(1) does.
 */
export function exec(cmd: string, args: string[], timeoutMs = 30_000): Promise<Exec> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    proc.stdout!.on('data', (c: Buffer) => { stdout += c; });
    proc.stderr!.on('data', (c: Buffer) => { stderr += c; });
    const timer = setTimeout(() => {
      timedOut = true;
      try { process.kill(-proc.pid!, 'SIGKILL'); } catch { proc.kill('SIGKILL'); }
    }, timeoutMs);
    let settled = false;
    const done = (code: number) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ code: timedOut ? 124 : code, stdout, stderr, timedOut });
    };
    proc.on('error', (err) => { stderr += String(err.message); done(127); });
    // 'close' drains the pipes; but a grandchild that left the group could
    // hold them open, so 'exit' plus a second's grace also settles.
    proc.on('close', (code) => done(code ?? 1));
    proc.on('exit', (code) => { setTimeout(() => done(code ?? 1), 1_000).unref(); });
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A port nobody listens on right now (the kernel picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}
