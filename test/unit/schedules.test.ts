import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_ATTEMPTS, loadSchedules, parseSchedules } from '../../src/config/schedules.js';
import { describeSchedules } from '../../src/scheduler/fire-times.js';
import { issuesOf } from '../support/config-issues.js';


const base = `
transports:
  console: { kind: console }
events:
`;

describe('the shipped config/schedules.yaml', () => {
  it('parses to the expected typed values', () => {
    expect(loadSchedules('config/schedules.yaml', {})).toEqual({ issues: [], config: {
      timezone: 'UTC',
      // Relative to the schedules file, not the working directory.
      handlers: [resolve('dist/examples/shop/handlers.js')],
      templates: resolve('examples/shop/templates'),
      transports: {
        console: { name: 'console', kind: 'console' },
        outbox: { name: 'outbox', kind: 'file', dir: './outbox', from: 'digest <digest@localhost>' },
      },
      events: {
        'Order.Created': {
          type: 'Order.Created',
          cadence: { kind: 'immediate', text: 'immediate' },
          transport: 'console',
          timezone: 'UTC',
          maxAttempts: DEFAULT_MAX_ATTEMPTS,
          batchSize: 1000,
        },
        'Purchase.Requested': {
          type: 'Purchase.Requested',
          cadence: { kind: 'cron', text: '0 */4 * * *', timezone: 'UTC' },
          transport: 'outbox',
          timezone: 'UTC',
          maxAttempts: DEFAULT_MAX_ATTEMPTS,
          batchSize: 1000,
        },
        'Purchase.Responded': {
          type: 'Purchase.Responded',
          cadence: { kind: 'every', text: 'every 1h', ms: 3_600_000, timezone: 'Europe/Berlin' },
          transport: 'outbox',
          timezone: 'Europe/Berlin',
          maxAttempts: DEFAULT_MAX_ATTEMPTS,
          batchSize: 1000,
        },
      },
    } });
  });

  it('describes the next fire times in each schedule zone', () => {
    const config = loadSchedules('config/schedules.yaml', {}).config!;
    expect(describeSchedules(config, new Date('2026-11-21T13:30:00Z'))).toEqual([
      { type: 'Order.Created', cadence: 'immediate', timezone: 'UTC', next: [] },
      {
        type: 'Purchase.Requested',
        cadence: '0 */4 * * *',
        timezone: 'UTC',
        next: ['2026-11-21T16:00:00.000Z', '2026-11-21T20:00:00.000Z', '2026-11-22T00:00:00.000Z'],
      },
      {
        type: 'Purchase.Responded',
        cadence: 'every 1h',
        timezone: 'Europe/Berlin',
        next: ['2026-11-21T15:00:00.000+01:00', '2026-11-21T16:00:00.000+01:00', '2026-11-21T17:00:00.000+01:00'],
      },
    ]);
  });

  it('a window type reads as its cadence plus its recipient-local window; a missing cadence with deliverAt is immediate', () => {
    const config = parseSchedules(
      'transports: { c: { kind: console } }\nevents:\n  W: { deliverAt: "09:00", days: [mon, fri], transport: c, urgent: order.rush }\n', {}, '.');
    expect(config.events.W).toMatchObject({ cadence: { kind: 'immediate' }, deliverAt: '09:00', days: ['mon', 'fri'], urgent: 'order.rush' });
    expect(describeSchedules(config, new Date('2026-11-21T13:30:00Z'))[0]!.cadence).toBe('immediate, deliverAt 09:00 (mon,fri) recipient-local');
    expect(() => parseSchedules('transports: { c: { kind: console } }\nevents:\n  W: { days: [mon], deliverAt: "9am", transport: c }\n', {}, '.'))
      .toThrow(/events\.W\.deliverAt: "9am" is not a local time/);
  });
});

describe('urgent (issue 16)', () => {
  const typed = (urgent: string) => `transports: { c: { kind: console } }\nevents:\n  U: { cadence: every 4h, transport: c, urgent: ${urgent} }\n`;
  it('is true, false (not urgent) or a payload path', () => {
    expect(parseSchedules(typed('true'), {}).events.U!.urgent).toBe(true);
    expect(parseSchedules(typed('false'), {}).events.U!.urgent).toBeUndefined();
    expect(parseSchedules(typed('priority.rush'), {}).events.U!.urgent).toBe('priority.rush');
  });
  it('names the field and the rule: a bad path, true beside a window', () => {
    expect(issuesOf(typed('"a..b"'))).toEqual([{ path: 'events.U.urgent', message: '"a..b" is not a payload field name or dotted path (e.g. recipient.tz)' }]);
    expect(issuesOf('transports: { c: { kind: console } }\nevents:\n  U: { deliverAt: "09:00", transport: c, urgent: true }\n').map((i) => i.path))
      .toEqual(['events.U.urgent']);
  });
});

describe('parseSchedules', () => {
  it('takes a webhook concurrency of 1 to 256 and names the field otherwise', () => {
    const hook = (extra: string) => `transports:\n  hook: { kind: webhook, url: "https://example.com/hook"${extra} }\nevents: {}\n`;
    expect(parseSchedules(hook(', concurrency: 32'), {}).transports.hook).toMatchObject({ concurrency: 32 });
    expect(issuesOf(hook(', concurrency: 0')).map((i) => i.path)).toEqual(['transports.hook.concurrency']);
  });

  it('takes a webhook batch with a batchSize of 1 to 1000, and a batchSize only with batch: true', () => {
    const hook = (extra: string) => `transports:\n  hook: { kind: webhook, url: "https://example.com/hook"${extra} }\nevents: {}\n`;
    expect(parseSchedules(hook(', batch: true, batchSize: 50'), {}).transports.hook).toMatchObject({ batch: true, batchSize: 50 });
    expect(parseSchedules(hook(', batch: true'), {}).transports.hook).toMatchObject({ batch: true });
    expect(issuesOf(hook(', batch: true, batchSize: 0'))).toEqual([{ path: 'transports.hook.batchSize', message: 'must be between 1 and 1000' }]);
    expect(issuesOf(hook(', batch: true, batchSize: 1001'))).toEqual([{ path: 'transports.hook.batchSize', message: 'must be between 1 and 1000' }]);
    expect(issuesOf(hook(', batchSize: 50'))).toEqual([{ path: 'transports.hook.batchSize', message: 'is read only with batch: true' }]);
    expect(issuesOf(hook(', batch: false, batchSize: 50'))).toEqual([{ path: 'transports.hook.batchSize', message: 'is read only with batch: true' }]);
    expect(issuesOf(hook(', batch: yes'))).toEqual([{ path: 'transports.hook.batch', message: 'must be a boolean' }]);
  });

  it('applies defaults and all transport kinds', () => {
    const config = parseSchedules(
      `timezone: America/New_York
transports:
  hook: { kind: webhook, url: "https://example.com/hook", secret: s3cret }
  mail: { kind: smtp, url: "\${SMTP_URL}", from: "Shop <no-reply@shop.example>", ratePerSecond: 10 }
  files: { kind: file, dir: out, from: "Me <me@example.com>" }
events:
  A.B: { cadence: "30 1 * * *", transport: hook, maxAttempts: 1, batchSize: 10000 }
`,
      { SMTP_URL: 'smtp://user:pw@mail.example:587' },
    );
    expect(config.transports.hook).toEqual({ name: 'hook', kind: 'webhook', url: 'https://example.com/hook', secret: 's3cret', timeoutMs: 10_000, concurrency: 8, batch: false });
    expect(config.transports.mail).toEqual({
      name: 'mail',
      kind: 'smtp',
      url: 'smtp://user:pw@mail.example:587',
      from: 'Shop <no-reply@shop.example>',
      ratePerSecond: 10,
    });
    expect(config.transports.files).toMatchObject({ kind: 'file', dir: 'out', from: 'Me <me@example.com>' });
    expect(config.events['A.B']).toMatchObject({
      timezone: 'America/New_York',
      cadence: { kind: 'cron', timezone: 'America/New_York' },
      maxAttempts: 1,
      batchSize: 10000,
    });
  });

  it('reports YAML syntax errors with line:col', () => {
    const issues = issuesOf('timezone: UTC\nevents:\n  A: { cadence: immediate\n  B: 1\n');
    expect(issues.length).toBeGreaterThan(0);
    expect(issues[0]!.path).toBe('');
    expect(issues[0]!.message).toMatch(/^YAML syntax error at \d+:\d+: /);
    expect(issuesOf('a: 1\na: 2\n')).toEqual([{ path: '', message: expect.stringMatching(/^YAML syntax error at 2:1: .*unique/) }]);
    // Two independent duplicate keys are both reported.
    expect(issuesOf('a: 1\na: 2\nb: 1\nb: 2\n').map((i) => i.message)).toEqual([
      expect.stringMatching(/^YAML syntax error at 2:1: /),
      expect.stringMatching(/^YAML syntax error at 4:1: /),
    ]);
  });

  it('names the key path of a bad cron expression', () => {
    const text = `${base}  Purchase.Requested: { cadence: "0 */4 * *", transport: console }\n`;
    expect(issuesOf(text)).toEqual([
      { path: 'events.Purchase.Requested.cadence', message: '"0 */4 * *" is not a valid cron expression' },
    ]);
    expect(() => parseSchedules(text, {})).toThrow('events.Purchase.Requested.cadence: "0 */4 * *" is not a valid cron expression');
  });

  it('rejects a reference to an unknown transport', () => {
    expect(issuesOf(`${base}  A: { cadence: immediate, transport: mail }\n`)).toEqual([
      { path: 'events.A.transport', message: 'unknown transport "mail" (defined: console)' },
    ]);
  });

  it('interpolates ${VAR} and reports an unset one at its key, once', () => {
    const text = `transports:\n  mail: { kind: smtp, url: "\${SMTP_URL}", from: "\${FROM}" }\nevents: {}\n`;
    expect(issuesOf(text, { FROM: 'a@b.c' })).toEqual([
      { path: 'transports.mail.url', message: 'environment variable SMTP_URL is not set' },
    ]);
    expect(() => parseSchedules(text, { FROM: 'a@b.c' })).toThrow('transports.mail.url: environment variable SMTP_URL is not set');
    expect(parseSchedules(text, { SMTP_URL: 'smtps://x.example', FROM: 'a@b.c' }).transports.mail).toMatchObject({
      url: 'smtps://x.example',
      from: 'a@b.c',
    });
  });

  it('reports every problem at once', () => {
    const text = `timezone: Mars/Base
colour: blue
transports:
  console: { kind: console }
  weird: { kind: pigeon }
  hook: { kind: webhook, url: "ftp://x", timeoutMs: 0 }
events:
  A: { cadence: "0 */4 * *", transport: console }
  B: { cadence: immediate, transport: nowhere }
  C: { cadence: every 1h, transport: console, maxAttempts: 0, batchSize: 1.5 }
  D: { transport: console, cadance: immediate }
  E: { cadence: every 1h, transport: "\${MISSING}" }
  F: { cadence: "* * * * *", transport: console, timezone: Nowhere/Land }
`;
    expect(issuesOf(text)).toEqual(
      expect.arrayContaining([
        { path: 'events.E.transport', message: 'environment variable MISSING is not set' },
        { path: 'timezone', message: 'unknown time zone "Mars/Base"' },
        { path: 'colour', message: 'unknown key (expected timezone, handlers, templates, messageIdDomain, transports, events, retention, locale, publicUrl, unsubscribe)' },
        { path: 'transports.weird.kind', message: 'must be one of console, file, smtp, webhook, pull' },
        { path: 'transports.hook.url', message: 'must be a URL starting with http:// or https://' },
        { path: 'transports.hook.timeoutMs', message: 'must be between 1 and 600000' },
        { path: 'events.A.cadence', message: '"0 */4 * *" is not a valid cron expression' },
        { path: 'events.B.transport', message: 'unknown transport "nowhere" (defined: console, weird, hook)' },
        { path: 'events.C.maxAttempts', message: 'must be between 1 and 100' },
        { path: 'events.C.batchSize', message: 'must be an integer' },
        { path: 'events.D.cadence', message: 'is required (or give deliverAt)' },
        { path: 'events.D.cadance', message: expect.stringMatching(/^unknown key \(expected cadence, transport, /) },
        { path: 'events.F.timezone', message: 'unknown time zone "Nowhere/Land"' },
      ]),
    );
    expect(issuesOf(text)).toHaveLength(13);
  });

  it('rejects unknown keys in transports and events', () => {
    expect(issuesOf(`transports:\n  c: { kind: console, colour: red }\nevents:\n  A: { cadence: immediate, transport: c, retries: 3 }\n`)).toEqual([
      { path: 'transports.c.colour', message: 'unknown key (expected kind)' },
      { path: 'events.A.retries', message: expect.stringContaining('unknown key') },
    ]);
  });

  it('rejects a bad time zone at the top and per event', () => {
    expect(issuesOf(`timezone: Europe/Atlantis\n${base}  A: { cadence: every 1h, transport: console }\n`)).toEqual([
      { path: 'timezone', message: 'unknown time zone "Europe/Atlantis"' },
    ]);
    expect(issuesOf(`${base}  A: { cadence: "0 9 * * *", transport: console, timezone: UTC+2 }\n`)).toEqual([
      { path: 'events.A.timezone', message: 'unknown time zone "UTC+2"' },
    ]);
  });

  it('requires transports and events mappings', () => {
    expect(issuesOf('')).toEqual([
      { path: 'transports', message: 'is required' },
      { path: 'events', message: 'is required' },
    ]);
    expect(issuesOf('- a\n- b\n')).toEqual([{ path: '', message: 'must be a mapping' }]);
  });
});

describe('loadSchedules', () => {
  it('names a missing file', () => {
    expect(loadSchedules('config/nope.yaml', {})).toEqual({ issues: [{ path: '', message: 'schedules file config/nope.yaml not found' }] });
  });
});

describe('${VAR} and YAML quoting', () => {
  it('accepts an unquoted ${VAR} in block style', () => {
    const text = `transports:\n  mail:\n    kind: smtp\n    url: \${SMTP_URL}\n    from: a@b.c\nevents: {}\n`;
    expect(parseSchedules(text, { SMTP_URL: 'smtp://m:25' }).transports.mail).toMatchObject({ url: 'smtp://m:25' });
  });

  it('accepts an unquoted ${VAR} inside a flow mapping, as DESIGN.md writes it, whatever the value holds', () => {
    const text = `transports:\n  mail: { kind: smtp, url: \${SMTP_URL}, from: a@b.c }\nevents: {}\n`;
    const url = 'smtp://mail.example:25/?x={a},b';
    expect(parseSchedules(text, { SMTP_URL: url }).transports.mail).toMatchObject({ url });
  });
});

describe('smtp tls options', () => {
  it('accepts the TLS block and names a bad value by its path', () => {
    const ok = 'transports:\n  mail:\n    kind: smtp\n    url: smtps://relay.example:465\n    from: a@b.example\n    tls: { rejectUnauthorized: false, minVersion: TLSv1.3, servername: relay.internal }\nevents: {}\n';
    expect(parseSchedules(ok, {}).transports.mail).toMatchObject({ tls: { rejectUnauthorized: false, minVersion: 'TLSv1.3', servername: 'relay.internal' } });
    const bad = ok.replace('TLSv1.3', 'SSLv3');
    expect(() => parseSchedules(bad, {})).toThrow(/transports\.mail\.tls\.minVersion/);
  });
});

describe('numbers from the environment and the size cap', () => {
  const smtp = (rate: string) => `
transports:
  mail: { kind: smtp, url: "smtp://mail.example:25", from: "a@b.example", ratePerSecond: ${rate} }
  hook: { kind: webhook, url: "https://x.example/h", timeoutMs: \${TIMEOUT}, secret: \${SECRET} }
events:
  A.B: { cadence: every 1h, transport: mail, maxAttempts: \${ATTEMPTS}, batchSize: \${BATCH} }
`;
  const vars = { RATE: '2.5', TIMEOUT: '5000', ATTEMPTS: '7', BATCH: ' 100 ', SECRET: '123456' };

  it('a numeric ${VAR} in a numeric field is that number; a string field keeps its text', () => {
    const c = parseSchedules(smtp('${RATE}'), vars);
    expect(c.transports.mail).toMatchObject({ ratePerSecond: 2.5 });
    expect(c.transports.hook).toMatchObject({ timeoutMs: 5000, secret: '123456' });
    expect(c.events['A.B']).toMatchObject({ maxAttempts: 7, batchSize: 100 });
  });

  it('a non-numeric or out-of-range ${VAR} is reported at its key, all at once', () => {
    const issues = issuesOf(smtp('${RATE}'), { ...vars, RATE: 'ten', ATTEMPTS: '0x10', BATCH: '0' });
    expect(issues.map((i) => i.path).sort()).toEqual(['events.A.B.batchSize', 'events.A.B.maxAttempts', 'transports.mail.ratePerSecond']);
  });

  it('a schedules file over 1 MiB is refused at once, naming it, without parsing it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'digest-big-'));
    const path = join(dir, 'schedules.yaml');
    writeFileSync(path, `${base}\n# ${'x'.repeat(2 * 1024 * 1024)}\n`);
    const started = performance.now();
    const { config, issues } = loadSchedules(path, {});
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(config).toBeUndefined();
    expect(issues).toEqual([{ path: '', message: expect.stringMatching(new RegExp(`schedules file ${path} is \\d+ bytes, over the .*1 MiB`)) }]);
    expect(issuesOf(`${base}\n# ${'x'.repeat(2 * 1024 * 1024)}\n`)[0]!.message).toMatch(/over the .*1 MiB/);
  });
});

describe('retention', () => {
  const DAY = 86_400_000;
  it('defaults to 30 days each when unset; given parts override, the rest keep their default', () => {
    expect(parseSchedules(`${base}  A.B: { cadence: every 1h, transport: console }\n`, {}).retention).toBeUndefined();
    const c = parseSchedules(`${base}  A.B: { cadence: every 1h, transport: console }\nretention: { events: 7d, runs: 1d12h }\n`, {});
    expect(c.retention).toEqual({ eventsMs: 7 * DAY, deliveriesMs: 30 * DAY, runsMs: 36 * 3_600_000 });
  });

  it('a bad duration or an unknown key is reported at its key path, with the other problems', () => {
    const issues = issuesOf(`${base}  A.B: { cadence: every 1h, transport: nope }\nretention: { events: forever, deliveries: 0m, dead: 1d }\n`);
    expect(issues.map((i) => i.path).sort()).toEqual(['events.A.B.transport', 'retention.dead']);
    const durations = issuesOf(`${base}  A.B: { cadence: every 1h, transport: console }\nretention: { events: forever, deliveries: 0m }\n`);
    expect(durations.map((i) => i.path).sort()).toEqual(['retention.deliveries', 'retention.events']);
    expect(durations.find((i) => i.path === 'retention.events')!.message).toMatch(/not a duration/);
  });
});

describe('rendering options (locale, localeField, timeZoneField)', () => {
  it('reads locale, localeField and timeZoneField; the tag made canonical', () => {
    const c = parseSchedules('locale: en-gb\ntransports: { c: { kind: console } }\nevents:\n  A: { cadence: immediate, transport: c, locale: de-at, localeField: lang, timeZoneField: user.tz }\n', {});
    expect(c.locale).toBe('en-GB');
    expect(c.events['A']).toMatchObject({ locale: 'de-AT', localeField: 'lang', timeZoneField: 'user.tz' });
  });

  it('names each bad field, with the other problems of the file', () => {
    const found = issuesOf(`locale: "en_GB!"
transports: { c: { kind: console } }
events:
  A: { cadence: immediate, transport: c, locale: "x y", localeField: "a..b", timeZoneField: "tz.", timezone: Mars/Base }
  B: { cadence: immediate, transport: c, timeZoneField: " " }
`).map((i) => `${i.path}: ${i.message}`);
    const notTag = 'is not a BCP 47 language tag (e.g. de, de-AT, en-US)';
    const notPath = 'is not a payload field name or dotted path (e.g. recipient.tz)';
    expect(found).toEqual(expect.arrayContaining([
      `locale: "en_GB!" ${notTag}`, `events.A.locale: "x y" ${notTag}`,
      `events.A.localeField: "a..b" ${notPath}`, `events.A.timeZoneField: "tz." ${notPath}`,
      'events.B.timeZoneField: must not be empty', 'events.A.timezone: unknown time zone "Mars/Base"',
    ]));
  });
});
