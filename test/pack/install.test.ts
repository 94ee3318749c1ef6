/**
 * digest as a team gets it: `npm pack`, installed into a project of its own
 * in a temporary directory outside this repository, with its own schedules
 * file, its own handler module (plain ESM .js importing `digest` and `zod` by
 * package name), one event type declared in YAML alone, and its own
 * templates. Everything runs through the installed `digest` bin.
 *
 * Install time: the project gets a package-lock.json derived from this repo's
 * (its non-dev entries, plus the tarball), so `npm ci` installs exactly the
 * versions `npm ci` installed here, from npm's cache, without resolving
 * anything; better-sqlite3's native addon (skipped by --ignore-scripts) is
 * copied from this repo's node_modules. See `install()` below.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEml } from '../support/eml.js';
import { waitFor } from '../support/wait.js';

const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const ADDON = 'node_modules/better-sqlite3/build/Release/better_sqlite3.node';
const TOKEN = 'pack-test-token';
/** The project's schedules file, relative to the project (its handlers and templates are relative to it). */
const SCHEDULES = 'digest/schedules.yaml';

interface Result { code: number; stdout: string; stderr: string }

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeout = 60_000): Promise<Result> {
  return new Promise((done) => {
    execFile(cmd, args, { cwd, env, timeout, maxBuffer: 32 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      done({ code, stdout, stderr: err && typeof err.code !== 'number' ? `${stderr}${err.message}` : stderr });
    });
  });
}

async function mustRun(what: string, cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Result> {
  const r = await run(cmd, args, cwd, env, 110_000);
  if (r.code !== 0) throw new Error(`${what} failed (${cmd} ${args.join(' ')}, exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  return r;
}

/**
 * The environment a user's shell would have: nothing of digest's own setup
 * (DATABASE_URL, DIGEST_*), and nothing `npm test` exports about this
 * package (npm_package_*, npm_lifecycle_*, npm_config_local_prefix=<repo>),
 * which must not steer npm/npx in the other project. npm's own settings
 * (npm_config_cache, registry, cafile …) are kept.
 */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || k === 'DATABASE_URL' || k === 'LOG_LEVEL' || k.startsWith('DIGEST_') || k === 'INIT_CWD') continue;
    if (k.startsWith('npm_') && (!k.startsWith('npm_config_') || k === 'npm_config_local_prefix' || k === 'npm_config_call')) continue;
    env[k] = v;
  }
  return env;
}

// ---------------------------------------------------------------- the project

/** The team's own handler module: plain ESM, `digest` and `zod` by package name. */
const HANDLERS_JS = `import { defineHandler } from 'digest';
import { z } from 'zod';

/** One welcome line per completed signup, printed at once. */
export const signupCompleted = defineHandler({
  type: 'Signup.Completed',
  payload: z.object({
    user_id: z.number().int().positive(),
    email: z.email(),
    plan: z.enum(['free', 'team']),
  }),
  recipient: (p) => p.email,
  group: 'event',
  template: 'welcome',
  render: (group) => {
    const [event] = group.events;
    return { data: { ...event.payload, plan: event.payload.plan.toUpperCase() } };
  },
});

export const handlers = [signupCompleted];
`;

/**
 * Comment.Created exists only here: a JSON Schema, the recipient and address
 * paths, a template. Weekly, so it never fires by itself while a test runs:
 * it is delivered by \`run now\` (and the scheduler's start-up catch-up finds
 * nothing outstanding). The outbox comes from the environment (an absolute
 * path: a relative `dir` is taken from the working directory, not this file).
 */
const SCHEDULES_YAML = `handlers: [./handlers.js]
templates: ./templates
timezone: UTC
transports:
  console: { kind: console }
  outbox:  { kind: file, dir: \${FORUM_OUTBOX}, from: "Forum <forum@forum.test>" }
events:
  Signup.Completed: { cadence: immediate, transport: console }
  Comment.Created:
    cadence: "0 8 * * 1"
    transport: outbox
    group: recipient
    recipient: post.author_id
    to: post.author_email
    template: comment-digest
    payload:
      type: object
      required: [comment_id, post, text]
      properties:
        comment_id: { type: integer, minimum: 1 }
        text: { type: string, maxLength: 2000 }
        commenter: { type: string }
        post:
          type: object
          required: [author_id, author_email, title]
          properties:
            author_id: { type: string }
            author_email: { type: string, format: email }
            title: { type: string }
`;

/** The declared payload schema, as /openapi.json must show it. */
const COMMENT_SCHEMA = {
  type: 'object',
  required: ['comment_id', 'post', 'text'],
  properties: {
    comment_id: { type: 'integer', minimum: 1 },
    text: { type: 'string', maxLength: 2000 },
    commenter: { type: 'string' },
    post: {
      type: 'object',
      required: ['author_id', 'author_email', 'title'],
      properties: { author_id: { type: 'string' }, author_email: { type: 'string', format: 'email' }, title: { type: 'string' } },
    },
  },
};

const TEMPLATES: Record<string, string> = {
  'welcome.subject.hbs': 'Welcome to the forum\n',
  'welcome.text.hbs': 'Welcome {{email}}: user #{{user_id}}, {{plan}} plan\n',
  'comment-digest.subject.hbs': '{{count}} new comment(s) on your posts\n',
  // `commenter` is optional: absent from a payload it is null in the view, so strict mode's #if works.
  'comment-digest.text.hbs': [
    'Hi {{recipient}}, {{count}} new comment(s):',
    '{{#each events}}',
    '- #{{comment_id}} on "{{post.title}}" by {{#if commenter}}{{commenter}}{{else}}a guest{{/if}}: {{text}}',
    '{{/each}}',
    'Oldest #{{first.comment_id}}, newest #{{last.comment_id}}',
    '',
  ].join('\n'),
  'comment-digest.html.hbs': '<ul>{{#each events}}<li>#{{comment_id}}: {{text}}</li>{{/each}}</ul>\n',
};

function comment(id: number, author: string, text: string, commenter?: string) {
  return { comment_id: id, text, ...(commenter ? { commenter } : {}), post: { author_id: author, author_email: `${author}@forum.test`, title: `Post of ${author}` } };
}

// ---------------------------------------------------------------- install

let work = '';
let project = '';
let installMs = 0;
const children: ChildProcess[] = [];

/**
 * A lockfile for the temp project: the tarball, plus every non-dev entry of
 * this repo's package-lock.json (the layout `npm ci --omit=dev` would give
 * this repo), so `npm ci` resolves nothing and installs, from npm's cache,
 * exactly the versions this repo was tested with, and the native addon
 * copied from here matches its better-sqlite3.
 */
function projectLock(tarball: string, integrity: string, pkg: Record<string, any>) {
  const repoLock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
  const dependencies = { digest: `file:../${tarball}`, zod: pkg.dependencies.zod as string };
  const packages: Record<string, unknown> = {
    '': { name: 'forum', dependencies },
    'node_modules/digest': {
      version: pkg.version, resolved: `file:../${tarball}`, integrity, license: pkg.license,
      dependencies: pkg.dependencies, bin: pkg.bin, engines: pkg.engines,
    },
  };
  for (const [path, entry] of Object.entries(repoLock.packages)) {
    if (path.startsWith('node_modules/') && !entry.dev) packages[path] = entry;
  }
  return { package: { name: 'forum', private: true, type: 'module', dependencies }, lock: { name: 'forum', lockfileVersion: 3, requires: true, packages } };
}

async function install() {
  for (const f of ['dist/src/cli.js', 'dist/src/index.js', 'dist/src/index.d.ts']) {
    if (!existsSync(join(REPO, f))) throw new Error(`${f} is missing: run \`npm run build\` first (npm test does it in pretest)`);
  }
  if (!existsSync(join(REPO, ADDON))) throw new Error(`${ADDON} is missing: run \`npm ci\` in the repository first`);
  work = mkdtempSync(join(tmpdir(), 'digest-pack-'));
  project = join(work, 'forum');
  mkdirSync(project);
  const env = userEnv();

  const packStarted = Date.now();
  const packed = await mustRun('npm pack', 'npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], REPO, env);
  const packMs = Date.now() - packStarted;
  const [info] = JSON.parse(packed.stdout) as Array<{ filename: string; integrity: string; files: Array<{ path: string }> }>;
  const shipped = info.files.map((f) => f.path);
  expect(shipped).toEqual(expect.arrayContaining(['bin/digest.js', 'dist/src/cli.js', 'dist/src/index.js', 'dist/src/index.d.ts', 'drizzle/sqlite/0000_init.sql']));
  expect(shipped.filter((p) => p.startsWith('src/') || p.startsWith('test/'))).toEqual([]);

  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as Record<string, any>;
  const { package: projectPkg, lock } = projectLock(info.filename, info.integrity, pkg);
  writeFileSync(join(project, 'package.json'), `${JSON.stringify(projectPkg, null, 2)}\n`);
  writeFileSync(join(project, 'package-lock.json'), `${JSON.stringify(lock, null, 2)}\n`);

  const started = Date.now();
  await mustRun('npm ci of the packed tarball (with this repo\'s locked versions)', 'npm',
    ['ci', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], project, env);
  // --ignore-scripts skipped better-sqlite3's build: reuse this repo's (same version, same node).
  const addonVersion = (dir: string) => (JSON.parse(readFileSync(join(dir, 'node_modules/better-sqlite3/package.json'), 'utf8')) as { version: string }).version;
  expect(addonVersion(project), 'better-sqlite3 in the project is the version this repo built').toBe(addonVersion(REPO));
  mkdirSync(join(project, 'node_modules/better-sqlite3/build/Release'), { recursive: true });
  copyFileSync(join(REPO, ADDON), join(project, ADDON));
  installMs = Date.now() - started;
  console.log(`[pack] npm pack: ${packMs} ms; install (npm ci + native addon copy): ${installMs} ms`);

  // The real package, unpacked from the tarball, not a link back here.
  expect(lstatSync(join(project, 'node_modules/digest')).isSymbolicLink()).toBe(false);
  expect(readlinkSync(join(project, 'node_modules/.bin/digest'))).toBe('../digest/bin/digest.js');
  expect(relative(REPO, project).startsWith('..')).toBe(true);

  mkdirSync(join(project, 'digest/templates'), { recursive: true });
  writeFileSync(join(project, 'digest/handlers.js'), HANDLERS_JS);
  writeFileSync(join(project, SCHEDULES), SCHEDULES_YAML);
  for (const [name, text] of Object.entries(TEMPLATES)) writeFileSync(join(project, 'digest/templates', name), text);
}

/** One database and one outbox per test, so the tests do not depend on each other. */
function workspace(name: string) {
  const dbPath = join(project, 'data', `${name}.db`);
  const outbox = join(work, `outbox-${name}`);
  mkdirSync(join(project, 'data'), { recursive: true });
  const env: NodeJS.ProcessEnv = {
    ...userEnv(),
    DATABASE_URL: `sqlite:${dbPath}`,
    FORUM_OUTBOX: outbox,
    LOG_LEVEL: 'warn',
    DIGEST_HTTP_PORT: '0',
  };
  /**
   * `npx digest --config digest/schedules.yaml …` in the project, as its users run it
   * (the scheduler below gets DIGEST_CONFIG instead). `--no`: never fetch a "digest" from the registry;
   * `--`: npx would otherwise take `--config` right after the command name for one of npm's own options.
   */
  const digest = (...args: string[]) => run('npx', ['--no', '--', 'digest', '--config', SCHEDULES, ...args], project, env);
  const emls = () => (existsSync(outbox) ? readdirSync(outbox).filter((f) => f.endsWith('.eml')).sort() : []);
  return { dbPath, outbox, env, digest, emls };
}

/** One query on the project's database, from outside, as ops would. */
function query(dbPath: string, sql: string): unknown[] {
  const db = new Database(dbPath);
  try {
    return db.prepare(sql).all();
  } finally {
    db.close();
  }
}

const lines = (stdout: string) => stdout.split('\n').slice(0, -1);

describe('the packed tarball, installed in a project outside the repository', () => {
  beforeAll(async () => {
    await install();
    expect(installMs, 'installing the packed tarball must stay well under a minute').toBeLessThan(60_000);
  }, 120_000);

  afterAll(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('npx digest migrate, check, record (valid and invalid) and run now work with the project\'s own handler module, declared type and templates', async () => {
    const { dbPath, digest, emls, outbox } = workspace('cli');

    // check reads only the files; every record needs the migrated database.
    const [migrate, check] = await Promise.all([digest('migrate'), digest('check')]);
    expect(migrate).toMatchObject({ code: 0, stderr: '' });
    expect(migrate.stdout).toMatch(/^created the digest tables \(\d+ migrations applied\)\n$/);
    expect(check.stderr).toBe('');
    expect(check.code).toBe(0);
    expect(check.stdout).toMatch(/^config OK: 2 event type\(s\)\n/);
    expect(check.stdout).toMatch(/^Signup\.Completed +\.\/digest\/handlers\.js +immediate +UTC +continuous$/m);
    const declared = /^Comment\.Created +schedules file +0 8 \* \* 1 +UTC +(\S+),/m.exec(check.stdout);
    expect(declared, check.stdout).not.toBeNull();
    const nextFire = new Date(declared![1]!);
    expect([nextFire.getUTCDay(), nextFire.getUTCHours(), nextFire.getUTCMinutes()]).toEqual([1, 8, 0]);

    const record = (type: string, payload: unknown) => digest('record', type, JSON.stringify(payload));
    const [signup, comments, [badComment, missing, badSignup, foreign]] = await Promise.all([
      record('Signup.Completed', { user_id: 11, email: 'ann@forum.test', plan: 'team' }),
      // One after the other: their order is the digest's.
      (async () => [await record('Comment.Created', comment(101, 'bo', 'Nice <b>post</b>', 'cy')), await record('Comment.Created', comment(102, 'bo', 'Agreed'))])(),
      Promise.all([
        record('Comment.Created', { ...comment(0, 'bo', 'x'), post: { author_id: 'bo', author_email: 'not-an-address', title: 'T' } }),
        record('Comment.Created', { comment_id: 5, text: 'no post' }),
        record('Signup.Completed', { user_id: 12, email: 'cy@forum.test', plan: 'enterprise' }),
        // The shop example ships in the package but is not this project's.
        record('Order.Created', { email_address: 'a@b.test', order_id: 1 }),
      ]),
    ]);
    // Valid payloads: each prints its id.
    for (const r of [signup, ...comments]) {
      expect(r).toMatchObject({ code: 0, stderr: '' });
      expect(r.stdout).toMatch(/^\d+\n$/);
    }
    // Invalid payloads: exit 1, one line naming each bad field; nothing recorded.
    expect(badComment.code).toBe(1);
    expect(badComment.stdout).toBe('');
    expect(badComment.stderr).toMatch(/^digest: Comment\.Created event is invalid: .*payload\.comment_id\b.*payload\.post\.author_email\b.*\n$/);
    expect(lines(badComment.stderr)).toHaveLength(1);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^digest: Comment\.Created event is invalid: payload\.post: is required\n$/);
    expect(badSignup.code).toBe(1);
    expect(badSignup.stderr).toMatch(/^digest: Signup\.Completed event is invalid: payload\.plan\b/);
    expect(lines(badSignup.stderr)).toHaveLength(1);
    expect(foreign.code).toBe(1);
    expect(foreign.stderr).toBe('digest: unknown event type "Order.Created" (known: Comment.Created, Signup.Completed)\n');

    expect(query(dbPath, 'SELECT id, type, recipient FROM digest_events ORDER BY type DESC, id')).toEqual([
      { id: Number(signup.stdout), type: 'Signup.Completed', recipient: 'ann@forum.test' },
      { id: Number(comments[0]!.stdout), type: 'Comment.Created', recipient: 'bo' },
      { id: Number(comments[1]!.stdout), type: 'Comment.Created', recipient: 'bo' },
    ]);

    // run now: the immediate type's console line, then the summary table.
    const now = await digest('run', 'now');
    expect(now.stderr).toBe('');
    expect(now.code).toBe(0);
    const [consoleLine, header, ...rows] = lines(now.stdout);
    expect(consoleLine).toBe('Welcome ann@forum.test: user #11, TEAM plan');
    expect(header).toMatch(/^TYPE +RUN +EVENTS +DELIVERIES +SENT +FAILED$/);
    expect(rows.sort()).toEqual([
      expect.stringMatching(/^Comment\.Created +\d+ +2 +1 +1 +0$/),
      expect.stringMatching(/^Signup\.Completed +\d+ +1 +1 +1 +0$/),
    ]);

    // One digest for bo, both comments, oldest first; the missing commenter is null in the view.
    expect(emls()).toHaveLength(1);
    const { headers, body } = parseEml(readFileSync(join(outbox, emls()[0]!), 'utf8'));
    expect(headers.get('from')).toBe('Forum <forum@forum.test>');
    expect(headers.get('to')).toBe('bo@forum.test');
    expect(headers.get('subject')).toBe('2 new comment(s) on your posts');
    expect(headers.get('x-digest-event-type')).toBe('Comment.Created');
    expect(body).toContain([
      'Hi bo, 2 new comment(s):',
      '- #101 on "Post of bo" by cy: Nice <b>post</b>',
      '- #102 on "Post of bo" by a guest: Agreed',
      'Oldest #101, newest #102',
    ].join('\n'));
    expect(body).toContain('<ul><li>#101: Nice &lt;b&gt;post&lt;/b&gt;</li><li>#102: Agreed</li></ul>');

    expect(query(dbPath, 'SELECT COUNT(*) AS n, COUNT(processed_at) AS processed FROM digest_events')).toEqual([{ n: 3, processed: 3 }]);
  }, 120_000);

  it('npx digest scheduler delivers the immediate type recorded by the CLI, POST /v1/events and a direct SQL INSERT; run now delivers the declared type recorded by POST and SQL; /openapi.json shows the declared schema', async () => {
    const { dbPath, env, digest, emls, outbox } = workspace('scheduler');
    expect((await digest('migrate')).code).toBe(0);

    // node on the installed bin (npx would add a process in front of it that SIGTERM has to pass through).
    const child = spawn(process.execPath, ['node_modules/digest/bin/digest.js', 'scheduler'], {
      cwd: project, env: { ...env, DIGEST_CONFIG: SCHEDULES, LOG_LEVEL: 'info', DIGEST_API_TOKEN: TOKEN }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c: Buffer) => { stdout += c; });
    child.stderr!.on('data', (c: Buffer) => { stderr += c; });
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    // pino's JSON lines on stderr; complete lines only (a chunk may end mid-line).
    const logs = () => lines(stderr).filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    const alive = <T>(check: () => T) => () => {
      if (child.exitCode !== null) throw new Error(`digest scheduler exited with ${child.exitCode}:\n${stderr}`);
      return check();
    };

    const db = new Database(dbPath);
    const insert = db.prepare('INSERT INTO digest_events (type, recipient, payload) VALUES (?, ?, ?)');
    try {
      const port = await waitFor(alive(() => logs().find((l) => l.evt === 'http.listening')?.port as number | undefined), 15_000);
      await waitFor(alive(() => logs().some((l) => l.evt === 'scheduler.started')), 15_000);
      const base = `http://127.0.0.1:${port}`;
      const auth = { authorization: `Bearer ${TOKEN}` };
      const post = (body: unknown, headers: Record<string, string> = auth) =>
        fetch(`${base}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

      // The immediate type, three ways.
      const recorded = await digest('record', 'Signup.Completed', JSON.stringify({ user_id: 21, email: 'dee@forum.test', plan: 'free' }));
      expect(recorded).toMatchObject({ code: 0, stderr: '' });
      const viaHttp = await post({ type: 'Signup.Completed', payload: { user_id: 22, email: 'eve@forum.test', plan: 'team' } });
      expect(viaHttp.status).toBe(201);
      expect(await viaHttp.json()).toEqual({ id: expect.any(Number) });
      insert.run('Signup.Completed', 'fay@forum.test', JSON.stringify({ user_id: 23, email: 'fay@forum.test', plan: 'free' }));

      // Refused: no token; a payload the project's zod schema rejects.
      const anonymous = await post({ type: 'Signup.Completed', payload: { user_id: 24, email: 'gil@forum.test', plan: 'free' } }, {});
      expect(anonymous.status).toBe(401);
      const invalid = await post({ type: 'Signup.Completed', payload: { user_id: 25, email: 'hal@forum.test', plan: 'gold' } });
      expect(invalid.status).toBe(422);
      expect(await invalid.json()).toMatchObject({ error: 'validation', issues: [{ path: 'payload.plan' }] });

      await waitFor(alive(() => lines(stdout).length >= 3), 15_000);
      expect(lines(stdout).sort()).toEqual([
        'Welcome dee@forum.test: user #21, FREE plan',
        'Welcome eve@forum.test: user #22, TEAM plan',
        'Welcome fay@forum.test: user #23, FREE plan',
      ]);

      // The declared type, over HTTP and by SQL (oldest first in the digest), delivered by `run now`.
      const commentViaHttp = await post({ type: 'Comment.Created', payload: comment(201, 'ida', 'First!') });
      expect(commentViaHttp.status).toBe(201);
      const badComment = await post({ type: 'Comment.Created', payload: comment(202, 'ida', 'x'.repeat(2001)) });
      expect(badComment.status).toBe(422);
      expect(await badComment.json()).toMatchObject({ error: 'validation', issues: [{ path: 'payload.text' }] });
      insert.run('Comment.Created', 'ida', JSON.stringify(comment(203, 'ida', 'Second', 'jo')));

      const now = await digest('run', 'now', 'Comment.Created', '--json');
      expect(now.stderr).toBe('');
      expect(JSON.parse(now.stdout)).toEqual([{
        type: 'Comment.Created',
        dryRun: false,
        summary: expect.objectContaining({ eventsClaimed: 2, deliveriesCreated: 1, deliveriesSent: 1, deliveriesFailed: 0 }),
      }]);
      expect(emls()).toHaveLength(1);
      const { headers, body } = parseEml(readFileSync(join(outbox, emls()[0]!), 'utf8'));
      expect(headers.get('to')).toBe('ida@forum.test');
      expect(headers.get('subject')).toBe('2 new comment(s) on your posts');
      expect(body).toContain([
        'Hi ida, 2 new comment(s):',
        '- #201 on "Post of ida" by a guest: First!',
        '- #203 on "Post of ida" by jo: Second',
        'Oldest #201, newest #203',
      ].join('\n'));

      // The contract for producers in other languages: each type's payload schema in POST /v1/events.
      const openapi = await fetch(`${base}/openapi.json`, { headers: auth });
      expect(openapi.status).toBe(200);
      const doc = (await openapi.json()) as { paths: Record<string, any> };
      const bodySchema = doc.paths['/v1/events']?.post?.requestBody?.content?.['application/json']?.schema;
      expect(bodySchema, 'POST /v1/events has a JSON body schema').toBeDefined();
      expect(payloadSchemaOf(bodySchema, 'Comment.Created')).toEqual(COMMENT_SCHEMA);
      expect(payloadSchemaOf(bodySchema, 'Signup.Completed')).toMatchObject({
        type: 'object',
        required: ['user_id', 'email', 'plan'],
        properties: { user_id: { type: 'integer' }, email: { type: 'string', format: 'email' }, plan: { enum: ['free', 'team'] } },
      });

      // Every accepted event processed once, nothing else recorded.
      expect(db.prepare('SELECT type, COUNT(*) AS n, COUNT(processed_at) AS processed, COUNT(DISTINCT delivery_id) AS deliveries FROM digest_events GROUP BY type ORDER BY type').all()).toEqual([
        { type: 'Comment.Created', n: 2, processed: 2, deliveries: 1 },
        { type: 'Signup.Completed', n: 3, processed: 3, deliveries: 3 },
      ]);
      // Seconds later: still exactly one line per signup, none sent twice.
      expect(lines(stdout)).toHaveLength(3);
    } finally {
      db.close();
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(stderr).toContain('"evt":"scheduler.stopped"');
    expect(logs().filter((l) => Number(l.level) >= 50)).toEqual([]);
  }, 120_000);
});

/** The `payload` schema of the variant of the POST /v1/events body whose `type` is `type`. */
function payloadSchemaOf(schema: unknown, type: string): unknown {
  if (Array.isArray(schema)) {
    for (const s of schema) {
      const found = payloadSchemaOf(s, type);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (typeof schema !== 'object' || schema === null) return undefined;
  const node = schema as Record<string, any>;
  const t = node.properties?.type;
  if (t && (t.const === type || (Array.isArray(t.enum) && t.enum.length === 1 && t.enum[0] === type))) return node.properties.payload;
  for (const v of Object.values(node)) {
    const found = payloadSchemaOf(v, type);
    if (found !== undefined) return found;
  }
  return undefined;
}
