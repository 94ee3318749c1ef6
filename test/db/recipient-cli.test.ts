/** `digest recipient set|get|list|delete` against both engines: readable output, --json, one line and exit 1 on error. */
import { beforeEach, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { describeEngines, truncateAll } from '../support/engines.js';

describeEngines('digest recipient', (engine) => {
  beforeEach(() => truncateAll(engine.db));
  const cli = (...args: string[]) => runCli(['recipient', ...args], { DATABASE_URL: engine.url });

  it('set stores the options as the profile; get shows it, as a table and as --json', async () => {
    const set = await cli('set', 'team/ops+alerts@x.example', '--time-zone', 'America/New_York', '--locale', 'en-us', '--quiet', '22:00-07:00',
      '--pref', 'Purchase.Requested=weekly:mon@09:00', '--pref', 'Order.Created=off', '--pref', 'Purchase.Responded=daily@18:30');
    expect(set.stderr).toBe('');
    expect(set.code).toBe(0);
    expect(set.stdout).toMatch(/^time zone\s+America\/New_York$/m);
    expect(set.stdout).toMatch(/^Purchase\.Requested\s+weekly\s+mon\s+09:00$/m);

    const got = await cli('get', 'team/ops+alerts@x.example', '--json');
    expect(got.code).toBe(0);
    expect(JSON.parse(got.stdout)).toEqual({
      recipient: 'team/ops+alerts@x.example', timeZone: 'America/New_York', locale: 'en-US', quietHours: { start: '22:00', end: '07:00' },
      preferences: {
        'Purchase.Requested': { frequency: 'weekly', day: 'mon', at: '09:00' },
        'Order.Created': { frequency: 'off' },
        'Purchase.Responded': { frequency: 'daily', at: '18:30' },
      },
      updatedAt: expect.stringMatching(/Z$/),
    });
    const text = await cli('get', 'team/ops+alerts@x.example');
    expect(text.stdout).toMatch(/^quiet hours\s+22:00-07:00$/m);
    expect(text.stdout).toMatch(/^Order\.Created\s+off\s+-\s+-$/m);
  });

  it('set replaces the whole profile: what is not given again is cleared', async () => {
    expect((await cli('set', 'bob', '--time-zone', 'Asia/Tokyo', '--pref', 'Order.Created=off')).code).toBe(0);
    expect((await cli('set', 'bob', '--locale', 'ja')).code).toBe(0);
    expect(JSON.parse((await cli('get', 'bob', '--json')).stdout)).toMatchObject({ timeZone: null, locale: 'ja', quietHours: null, preferences: {} });
  });

  it('invalid values: one line naming the field, exit 1, nothing stored', async () => {
    const bad = await cli('set', 'carol', '--time-zone', 'Mars/Base', '--pref', 'Order.Shipped=daily', '--pref', 'Order.Created=weekly:someday');
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toBe('digest: recipient profile is invalid: timeZone: "Mars/Base" is not an IANA time zone; '
      + 'preferences.Order.Shipped: unknown event type "Order.Shipped" (known: Order.Created, Purchase.Requested, Purchase.Responded); '
      + 'preferences.Order.Created.day: must be one of mon, tue, wed, thu, fri, sat, sun\n');
    const quiet = await cli('set', 'carol', '--quiet', '22:00');
    expect(quiet).toMatchObject({ code: 1, stderr: 'digest: --quiet must be START-END in local time (e.g. 22:00-07:00), got "22:00"\n' });
    const pref = await cli('set', 'carol', '--pref', 'weekly');
    expect(pref.code).toBe(1);
    expect(pref.stderr).toMatch(/^digest: --pref must be TYPE=FREQUENCY\[:DAY\]\[@HH:MM\]/);
    expect(await engine.db.all('SELECT recipient FROM digest_recipients')).toEqual([]);
  });

  it('list shows every profile in recipient order; get and delete of an unknown recipient exit 1', async () => {
    for (const key of ['b@x', 'A b', 'a@x']) expect((await cli('set', key, '--locale', 'en')).code).toBe(0);
    const list = await cli('list');
    expect(list.code).toBe(0);
    const lines = list.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^RECIPIENT\s+TIME ZONE\s+LOCALE\s+QUIET\s+PREFERENCES\s+UPDATED$/);
    expect(lines.slice(1).map((l) => l.split(/\s{2,}/)[0])).toEqual(['A b', 'a@x', 'b@x']);
    expect((JSON.parse((await cli('list', '--json')).stdout) as Array<{ recipient: string }>).map((p) => p.recipient)).toEqual(['A b', 'a@x', 'b@x']);

    const del = await cli('delete', 'a@x');
    expect(del).toMatchObject({ code: 0, stdout: 'deleted the profile of recipient "a@x"\n' });
    expect(await cli('delete', 'a@x')).toMatchObject({ code: 1, stderr: 'digest: no profile for recipient "a@x" (every type uses its defaults)\n' });
    expect(await cli('get', 'A@x')).toMatchObject({ code: 1, stdout: '' });
    expect((await cli('list', '--json')).stdout).not.toContain('"a@x"');
  });
});
