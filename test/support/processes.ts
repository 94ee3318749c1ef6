/** What the private database servers of the tests (mariadb-instance.ts, galera-cluster.ts) share: running tools, picking ports. */
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';

export interface Exec { code: number; stdout: string; stderr: string }

/** Runs a tool to completion; never rejects: the exit code says how it went. */
export function exec(cmd: string, args: string[], timeoutMs = 30_000): Promise<Exec> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
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
