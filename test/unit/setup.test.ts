/**
 * loadSetup (src/setup.ts): schedules file + handler modules + declared types +
 * templates, checked together and reported as ONE ConfigError. Pure: loadSetup
 * opens no database. Handler modules are plain ESM / CommonJS files written to
 * temp dirs; they import nothing (a handler is plain data and functions).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AppOptions } from '../../src/app.js';
import { loadRegistry, loadSetup } from '../../src/setup.js';
import { check } from '../../src/cli/check.js';
import { readEnv } from '../../src/config/env.js';
import { ConfigError, type Issue } from '../../src/errors.js';
import { validatePayload } from '../../src/handlers/validate.js';

/** One handler object as a module would export it; `extra` is spliced into the object literal. */
const handlerSource = (type: string, template: string, extra = '') =>
  `{ type: ${JSON.stringify(type)}, group: 'recipient', template: ${JSON.stringify(template)}, `
  + 'validate: (p) => ({ ok: true, value: p }), jsonSchema: () => ({}), recipient: (p) => p.to, '
  + `render: (g) => ({ data: { n: g.events.length } })${extra} }`;

const esm = (handlers: string[]) => `export const handlers = [${handlers.join(', ')}];\n`;
const cjs = (handlers: string[]) => `module.exports = { handlers: [${handlers.join(', ')}] };\n`;

/** A temp dir holding `files` (relative path → text); returns helpers for it. */
function project(files: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'digest-setup-'));
  for (const [name, text] of Object.entries(files)) {
    const path = join(dir, name);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, text);
  }
  return { dir, path: (name: string) => join(dir, name), config: join(dir, 'schedules.yaml') };
}

/** The issues of the ConfigError loadSetup throws (fails the test if it resolves). */
async function setupIssues(opts: AppOptions): Promise<readonly Issue[]> {
  const err = await loadSetup(opts).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ConfigError);
  return (err as ConfigError).issues;
}

/** A declared type whose recipient is `user.id` (and `user.nick` is optional). */
const declaredPayload = '{ type: object, required: [user, text], properties: { text: { type: string }, '
  + 'user: { type: object, required: [id], properties: { id: { type: string }, nick: { type: string } } } } }';

const noEnv = () => readEnv({});

/** A literal string inside a RegExp. */
const re = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('loadSetup: a good setup', () => {
  const files = () => project({
    'schedules.yaml': [
      'handlers: [./mods/notes.mjs]',
      'templates: tpl',
      'transports: { console: { kind: console } }',
      'events:',
      '  Note.Added: { cadence: every 1h, transport: console }',
      '  Mention.Made:',
      '    cadence: immediate',
      '    transport: console',
      '    recipient: user.id',
      '    template: mention',
      `    payload: ${declaredPayload}`,
      '',
    ].join('\n'),
    'mods/notes.mjs': esm([handlerSource('Note.Added', 'note')]),
    'tpl/note.text.hbs': 'notes: {{n}}',
    'tpl/mention.text.hbs': 'mentions: {{count}}',
  });

  it('loads one module type and one declared type, each from its source', async () => {
    const p = files();
    const setup = await loadSetup({ config: p.config, env: noEnv() });
    expect(setup.registry.types()).toEqual(['Mention.Made', 'Note.Added']);
    expect(setup.registry.source('Note.Added')).toBe(p.path('mods/notes.mjs'));
    expect(setup.registry.source('Mention.Made')).toBe('schedules file');
    expect(setup.renderer.templates().sort()).toEqual(['mention', 'note']);
    expect(Object.keys(setup.config.events).sort()).toEqual(['Mention.Made', 'Note.Added']);
    // The module's handler is the module's object; the declared one validates with its JSON Schema.
    expect(setup.registry.require('Note.Added').render({ type: 'Note.Added', recipient: 'r', events: [] }).data).toEqual({ n: 0 });
    const mention = setup.registry.require('Mention.Made');
    expect(mention.recipient({ text: 'hi', user: { id: 'u1' } })).toBe('u1');
    expect(() => validatePayload(mention, { text: 'hi', user: {} })).toThrow(expect.objectContaining({ issues: [{ path: 'payload.user.id', message: 'is required' }] }));
  });

  it('check() lists each type with its handler source (module path / schedules file)', async () => {
    const p = files();
    const out = await check({ config: p.config, env: noEnv() }, new Date(Date.UTC(2025, 0, 1)));
    const lines = out.split('\n');
    expect(lines[0]).toBe('config OK: 2 event type(s)');
    expect(lines[1]).toMatch(/^TYPE\s+HANDLER\s+CADENCE/);
    const row = (type: string) => lines.find((l) => l.startsWith(`${type} `)) ?? '';
    expect(row('Note.Added')).toContain(p.path('mods/notes.mjs'));
    expect(row('Note.Added')).toContain('every 1h');
    expect(row('Mention.Made')).toContain('schedules file');
    expect(row('Mention.Made')).toContain('immediate');
  });

  it('loads a CommonJS module (module.exports.handlers) and a module named twice once', async () => {
    const p = project({
      'schedules.yaml': 'handlers: [./a.cjs, ./a.cjs]\ntemplates: tpl\ntransports: { c: { kind: console } }\nevents:\n  Cjs.Type: { cadence: immediate, transport: c }\n',
      'a.cjs': cjs([handlerSource('Cjs.Type', 'note')]),
      'tpl/note.text.hbs': 'x',
    });
    const setup = await loadSetup({ config: p.config, env: noEnv() });
    expect(setup.registry.types()).toEqual(['Cjs.Type']);
    expect(setup.registry.source('Cjs.Type')).toBe(p.path('a.cjs'));
  });

  it('handlers given in code replace the modules the file names', async () => {
    const p = project({
      'schedules.yaml': 'handlers: [./nope.js]\ntemplates: tpl\ntransports: { c: { kind: console } }\nevents:\n  Code.Type: { cadence: immediate, transport: c }\n',
      'tpl/note.text.hbs': 'x',
    });
    const handler = { type: 'Code.Type', group: 'recipient' as const, template: 'note', validate: (v: unknown) => ({ ok: true as const, value: v }), jsonSchema: () => ({}), recipient: () => 'r', render: () => ({ data: {} }) };
    const setup = await loadSetup({ config: p.config, env: noEnv(), handlers: [handler] });
    expect(setup.registry.source('Code.Type')).toBe('code');
  });
});

describe('loadSetup: every problem in one ConfigError', () => {
  it('lists module, duplicate, declaration, group, template and cadence problems at once, with key paths', async () => {
    const p = project({
      'schedules.yaml': [
        'handlers: [./a.mjs, ./b.mjs, ./empty.mjs, ./weekly.mjs, ./nope.js]',
        'templates: tpl',
        'transports: { console: { kind: console } }',
        'events:',
        '  Note.Added:    { cadence: every 1h, transport: console }',
        '  Shared.Type:   { cadence: every 1h, transport: console }',
        `  Also.Declared: { cadence: immediate, transport: console, recipient: user.id, template: mention, payload: ${declaredPayload} }`,
        '  Broken.Schema: { cadence: immediate, transport: console, recipient: user.id, template: mention, payload: { type: objekt } }',
        `  Bad.Recipient: { cadence: immediate, transport: console, recipient: user.nick, template: mention, payload: ${declaredPayload} }`,
        `  Weekly.Group:  { cadence: immediate, transport: console, group: weekly, recipient: user.id, template: mention, payload: ${declaredPayload} }`,
        `  No.Template:   { cadence: immediate, transport: console, recipient: user.id, template: absent, payload: ${declaredPayload} }`,
        '  Bad.Cadence:   { cadence: every fortnight, transport: console }',
        '',
      ].join('\n'),
      'a.mjs': esm([handlerSource('Note.Added', 'note'), handlerSource('Shared.Type', 'note')]),
      'b.mjs': esm([handlerSource('Shared.Type', 'note'), handlerSource('Also.Declared', 'note')]),
      'empty.mjs': 'export const somethingElse = 1;\n',
      'weekly.mjs': esm([handlerSource('Weekly.Module', 'note', ", group: 'weekly'")]),
      'tpl/note.text.hbs': 'x',
      'tpl/mention.text.hbs': 'y',
    });
    const issues = await setupIssues({ config: p.config, env: noEnv() });
    const has = (path: string, message: RegExp) =>
      expect(issues, `expected an issue at ${path} matching ${message}`).toContainEqual({ path, message: expect.stringMatching(message) });

    // handler modules: cannot import, no `handlers` export, a bad group
    has('handlers', new RegExp(`${re(p.path('nope.js'))}: cannot be imported`));
    has('handlers', new RegExp(`${re(p.path('empty.mjs'))}: exports no \`handlers\` array`));
    has('handlers', new RegExp(`${re(p.path('weekly.mjs'))}: handlers\\[0\\] has group "weekly"; it must be "recipient" or "event"`));
    // duplicates: two modules, and a module type also declared in the file
    has('handlers', new RegExp(`event type "Shared\\.Type" is defined twice: in ${re(p.path('a.mjs'))} and in ${re(p.path('b.mjs'))}$`));
    has('handlers', new RegExp(`event type "Also\\.Declared" is defined twice: in ${re(p.path('b.mjs'))} and in schedules file$`));
    // declared types: invalid JSON Schema, bad recipient path, unknown group, missing template
    has('events.Broken.Schema.payload.type', /must be one of "array", "boolean"/);
    has('events.Bad.Recipient.recipient', /"user\.nick" is optional/);
    has('events.Weekly.Group.group', /recipient.*event/);
    has('events.No.Template.template', /template "absent" is missing/);
    // and the file's own rules
    has('events.Bad.Cadence.cadence', /every fortnight/);

    // The good types are not reported.
    for (const type of ['Note.Added', 'Also.Declared']) expect(issues.filter((i) => i.path.startsWith(`events.${type}`))).toEqual([]);
  });

  it('a missing templates directory is reported with the other problems', async () => {
    const p = project({
      'schedules.yaml': 'handlers: [./nope.mjs]\ntemplates: no-such-dir\ntransports: { c: { kind: console } }\nevents:\n  X.Y: { cadence: sometimes, transport: c }\n',
    });
    const issues = await setupIssues({ config: p.config, env: noEnv() });
    expect(issues).toContainEqual({ path: 'templates', message: expect.stringContaining(p.path('no-such-dir')) });
    expect(issues).toContainEqual({ path: 'handlers', message: expect.stringMatching(/nope\.mjs: cannot be imported/) });
    expect(issues).toContainEqual({ path: 'events.X.Y.cadence', message: expect.any(String) });
  });

  it('a configured type no handler defines', async () => {
    const p = project({
      'schedules.yaml': 'templates: tpl\ntransports: { c: { kind: console } }\nevents:\n  Orphan.Type: { cadence: immediate, transport: c }\n',
      'tpl/note.text.hbs': 'x',
    });
    expect(await setupIssues({ config: p.config, env: noEnv() })).toEqual([
      { path: 'events.Orphan.Type', message: expect.stringMatching(/no handler for event type "Orphan\.Type"/) },
    ]);
  });

  // BUG (src/handlers/cross-check.ts): a declared type whose declaration failed
  // (already reported at events.X.payload… / events.X.recipient) is reported a
  // second time as "no handler for event type X: name a module … or declare it
  // here", which is wrong (it is declared) and doubles the noise. Remove `.fails` once fixed.
  it('a failed declaration is reported once, not also as "no handler"', async () => {
    const p = project({
      'schedules.yaml': `templates: tpl\ntransports: { c: { kind: console } }\nevents:\n  Bad.Recipient: { cadence: immediate, transport: c, recipient: user.nick, template: mention, payload: ${declaredPayload} }\n`,
      'tpl/mention.text.hbs': 'y',
    });
    expect(await setupIssues({ config: p.config, env: noEnv() })).toEqual([
      { path: 'events.Bad.Recipient.recipient', message: expect.stringMatching(/optional/) },
    ]);
  });
});

describe('loadSetup: templates directory', () => {
  const files = () => project({
    'conf/schedules.yaml': 'templates: ../file-tpl\ntransports: { c: { kind: console } }\nevents:\n'
      + `  Mention.Made: { cadence: immediate, transport: c, recipient: user.id, template: mention, payload: ${declaredPayload} }\n`,
    'file-tpl/mention.text.hbs': 'from the file',
    'override/mention.text.hbs': 'from the option',
    'override/extra.text.hbs': 'only here',
    'env-tpl/mention.text.hbs': 'from DIGEST_TEMPLATES',
    'env-tpl/env-only.text.hbs': 'env',
    'empty/README': 'no templates here',
  });
  const text = (setup: Awaited<ReturnType<typeof loadSetup>>) => setup.renderer.render('mention', { user: {} }).text;

  it('`templates:` is relative to the schedules file, not the working directory', async () => {
    const p = files();
    const setup = await loadSetup({ config: p.path('conf/schedules.yaml'), env: noEnv() });
    expect(setup.config.templates).toBe(p.path('file-tpl'));
    expect(text(setup)).toBe('from the file');
    expect(setup.renderer.has('extra')).toBe(false);
  });

  it('an explicit templatesDir overrides it (and DIGEST_TEMPLATES)', async () => {
    const p = files();
    const setup = await loadSetup({ config: p.path('conf/schedules.yaml'), env: readEnv({ DIGEST_TEMPLATES: p.path('env-tpl') }), templatesDir: p.path('override') });
    expect(text(setup)).toBe('from the option');
    expect(setup.renderer.templates().sort()).toEqual(['extra', 'mention']);
  });

  it('DIGEST_TEMPLATES overrides the file when no templatesDir is given', async () => {
    const p = files();
    const setup = await loadSetup({ config: p.path('conf/schedules.yaml'), env: readEnv({ DIGEST_TEMPLATES: p.path('env-tpl') }) });
    expect(text(setup)).toBe('from DIGEST_TEMPLATES');
    expect(setup.renderer.has('env-only')).toBe(true);
  });

  it('an override without the template is checked against (missing template reported)', async () => {
    const p = files();
    expect(await setupIssues({ config: p.path('conf/schedules.yaml'), env: noEnv(), templatesDir: p.path('empty') })).toEqual([
      { path: 'events.Mention.Made.template', message: expect.stringMatching(/template "mention" is missing/) },
    ]);
  });
});

describe('loadSetup: DIGEST_HANDLERS', () => {
  const files = () => project({
    'schedules.yaml': 'handlers: [./file-mod.mjs, ./nope.js]\ntemplates: tpl\ntransports: { c: { kind: console } }\nevents:\n  Note.Added: { cadence: immediate, transport: c }\n',
    'file-mod.mjs': esm([handlerSource('Note.Added', 'from-file')]),
    'env-mod.mjs': esm([handlerSource('Note.Added', 'from-env')]),
    'env-other.mjs': esm([handlerSource('Other.Type', 'from-env')]),
    'tpl/from-file.text.hbs': 'f',
    'tpl/from-env.text.hbs': 'e',
  });

  it("replaces the file's handlers: (its broken entry is not even imported)", async () => {
    const p = files();
    const setup = await loadSetup({ config: p.config, env: readEnv({ DIGEST_HANDLERS: p.path('env-mod.mjs') }) });
    expect(setup.registry.types()).toEqual(['Note.Added']);
    expect(setup.registry.source('Note.Added')).toBe(p.path('env-mod.mjs'));
    expect(setup.registry.get('Note.Added')?.template).toBe('from-env');
  });

  it('takes a comma-separated list; ./relative entries are relative to the working directory', async () => {
    const p = files();
    const rel = `./${relative(process.cwd(), p.path('env-other.mjs'))}`;
    expect(rel.startsWith('./..')).toBe(true);
    const setup = await loadSetup({ config: p.config, env: readEnv({ DIGEST_HANDLERS: ` ${p.path('env-mod.mjs')} , ${rel} ` }) });
    expect(setup.registry.types()).toEqual(['Note.Added', 'Other.Type']);
    expect(setup.registry.source('Other.Type')).toBe(p.path('env-other.mjs'));
  });

  it('without it the file\'s handlers: are used (and their problems reported)', async () => {
    const p = files();
    const issues = await setupIssues({ config: p.config, env: noEnv() });
    expect(issues).toEqual([{ path: 'handlers', message: expect.stringMatching(new RegExp(`${re(p.path('nope.js'))}: cannot be imported`)) }]);
  });

  it('a broken DIGEST_HANDLERS entry is reported at DIGEST_HANDLERS', async () => {
    const p = files();
    const issues = await setupIssues({ config: p.config, env: readEnv({ DIGEST_HANDLERS: p.path('missing.mjs') }) });
    expect(issues).toContainEqual({ path: 'DIGEST_HANDLERS', message: expect.stringMatching(/missing\.mjs: cannot be imported/) });
    // Nothing defines Note.Added now.
    expect(issues).toContainEqual({ path: 'events.Note.Added', message: expect.stringMatching(/no handler/) });
  });
});

describe('loadRegistry (what recording needs)', () => {
  it('loads module and declared types without needing the templates', async () => {
    const p = project({
      'schedules.yaml': `handlers: [./m.mjs]\ntemplates: no-such-dir\ntransports: { c: { kind: console } }\nevents:\n  Note.Added: { cadence: immediate, transport: c }\n`
        + `  Mention.Made: { cadence: immediate, transport: c, recipient: user.id, template: absent, payload: ${declaredPayload} }\n`,
      'm.mjs': esm([handlerSource('Note.Added', 'note')]),
    });
    const registry = await loadRegistry({ config: p.config, env: noEnv() });
    expect(registry.types()).toEqual(['Mention.Made', 'Note.Added']);
    expect(registry.source('Mention.Made')).toBe('schedules file');
    // loadSetup, by contrast, needs the templates.
    expect(await setupIssues({ config: p.config, env: noEnv() })).toContainEqual({ path: 'templates', message: expect.any(String) });
  });

  it('still reports module and declaration problems together', async () => {
    const p = project({
      'schedules.yaml': `handlers: [./nope.mjs]\ntransports: { c: { kind: console } }\nevents:\n`
        + `  Mention.Made: { cadence: immediate, transport: c, recipient: user.nick, template: t, payload: ${declaredPayload} }\n`,
    });
    const err = await loadRegistry({ config: p.config, env: noEnv() }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).issues.map((i) => i.path).sort()).toEqual(['events.Mention.Made.recipient', 'handlers']);
  });
});

describe('loadSetup: transport timeouts against the lease', () => {
  const files = (timeoutMs: number) => project({
    'schedules.yaml': `transports: { hook: { kind: webhook, url: "https://app.example/digest", timeoutMs: ${timeoutMs} } }\nevents: {}\n`,
  });

  it('refuses a webhook timeoutMs longer than DIGEST_LEASE_SECONDS (check and scheduler start both load this)', async () => {
    expect(await setupIssues({ config: files(600_000).config, env: readEnv({}), templatesDir: tmpdir() })).toEqual([
      { path: 'transports.hook.timeoutMs', message: '600000 ms exceeds the lease (DIGEST_LEASE_SECONDS=60): lower it or raise the lease' },
    ]);
    await expect(loadSetup({ config: files(600_000).config, env: readEnv({ DIGEST_LEASE_SECONDS: '600' }), templatesDir: tmpdir() })).resolves.toBeDefined();
    await expect(loadSetup({ config: files(60_000).config, env: readEnv({}), templatesDir: tmpdir() })).resolves.toBeDefined();
  });
});
