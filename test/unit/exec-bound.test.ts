import { describe, expect, it } from 'vitest';
import { exec } from '../support/processes.js';

// The test helper's exec must end at its bound even when the tool ignores
// SIGTERM and has children: `mariadbd --wsrep-recover` did both, and the
// Galera suite waited on it without end.
describe('exec (test support)', () => {
  it('SIGKILLs the whole process group at the timeout, and says so', async () => {
    const began = Date.now();
    const res = await exec('sh', ['-c', 'trap "" TERM; sleep 30 & wait'], 300);
    expect(res.timedOut).toBe(true);
    expect(res.code).toBe(124);
    expect(Date.now() - began).toBeLessThan(20_000); // the tool alone would run 30 s
  }, 25_000);

  it('reports a tool’s own exit code and output', async () => {
    const res = await exec('sh', ['-c', 'echo out; echo err >&2; exit 3']);
    expect(res).toEqual({ code: 3, stdout: 'out\n', stderr: 'err\n', timedOut: false });
  });

  it('reports a missing tool as 127 without throwing', async () => {
    const res = await exec('no-such-tool-here', []);
    expect(res.code).toBe(127);
  });
});
