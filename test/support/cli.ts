import { execFile, spawn, type ChildProcess } from 'node:child_process';

const BIN = 'bin/digest.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `digest <args>` (the built bin) to completion. */
export function runCli(args: string[], env: Record<string, string | undefined> = {}, input?: string): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile('node', [BIN, ...args], { env: { ...process.env, LOG_LEVEL: 'warn', DIGEST_HTTP_PORT: '0', ...env }, timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
    if (input != null) child.stdin!.end(input);
  });
}

/** Starts a long-running `digest <args>` and collects its output as it comes. */
export function startCli(args: string[], env: Record<string, string | undefined> = {}) {
  const child: ChildProcess = spawn('node', [BIN, ...args], { env: { ...process.env, DIGEST_HTTP_PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '', lines: [] as Array<{ line: string; at: number }> };
  let partial = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    out.stdout += chunk;
    partial += chunk;
    const parts = partial.split('\n');
    partial = parts.pop()!;
    for (const line of parts) out.lines.push({ line, at: Date.now() });
  });
  child.stderr!.on('data', (chunk: Buffer) => { out.stderr += chunk; });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, out, exited };
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Runs `digest <args>` on a terminal (through `script`): stdout and stderr arrive together, as a person sees them. */
export function runCliOnTty(args: string[], env: Record<string, string | undefined> = {}): Promise<{ code: number; output: string }> {
  const command = ['node', BIN, ...args].map(shellQuote).join(' ');
  return new Promise((resolve) => {
    execFile('script', ['-qec', command, '/dev/null'], { env: { ...process.env, LOG_LEVEL: 'warn', DIGEST_HTTP_PORT: '0', ...env }, timeout: 20_000 }, (err, stdout) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, output: stdout });
    });
  });
}
