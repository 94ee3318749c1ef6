/** `digest suppression add|list|remove` against both engines: readable output, --json, one line and exit 1 on error. */
import { beforeEach, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { describeEngines, truncateAll } from '../support/engines.js';

describeEngines('digest suppression', (engine) => {
  beforeEach(() => truncateAll(engine.db));
  const cli = (...args: string[]) => runCli(['suppression', ...args], { DATABASE_URL: engine.url });

  it('add stores the address lower-cased; list shows it as a table and as --json; remove takes it off in any case', async () => {
    const add = await cli('add', 'Gone@Shop.Example', '--reason', 'bounce', '--detail', '550 5.1.1');
    expect(add).toMatchObject({ code: 0, stderr: '', stdout: 'suppressed gone@shop.example (bounce)\n' });
    expect((await cli('add', 'ann@shop.example')).stdout).toBe('suppressed ann@shop.example (manual)\n');

    const list = await cli('list', '--order', 'address');
    expect(list.code).toBe(0);
    const lines = list.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ADDRESS\s+REASON\s+SINCE\s+DETAIL$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/).slice(0, 2))).toEqual([['ann@shop.example', 'manual'], ['gone@shop.example', 'bounce']]);
    expect(lines[2]).toMatch(/550 5\.1\.1$/);
    const json = JSON.parse((await cli('list', '--json')).stdout) as Array<{ address: string }>;
    expect(json.map((s) => s.address).sort()).toEqual(['ann@shop.example', 'gone@shop.example']);

    expect(await cli('remove', 'GONE@shop.example')).toMatchObject({ code: 0, stdout: 'removed gone@shop.example from the suppression list\n' });
    expect(await engine.db.all('SELECT address FROM digest_suppressions')).toEqual([{ address: 'ann@shop.example' }]);
  });

  it('errors: one line naming the field or option, exit 1, nothing stored', async () => {
    expect(await cli('add', 'nobody')).toMatchObject({
      code: 1, stdout: '', stderr: 'digest: suppression is invalid: address: "nobody" is not an email address (local@domain)\n',
    });
    expect(await cli('add', 'a@x.example', '--reason', 'spam')).toMatchObject({
      code: 1, stderr: 'digest: --reason must be one of manual, bounce, complaint, got "spam"\n',
    });
    expect(await cli('remove', 'a@x.example')).toMatchObject({ code: 1, stderr: 'digest: "a@x.example" is not suppressed\n' });
    expect(await cli('list', '--order', 'oldest')).toMatchObject({ code: 1, stderr: 'digest: --order must be newest or address, got "oldest"\n' });
    expect(await engine.db.all('SELECT address FROM digest_suppressions')).toEqual([]);
    expect((await cli('list')).stdout).toBe('no suppressed addresses\n');
  });
});
