/**
 * Bad input is refused at record() (and so by HTTP with 422 and by
 * `digest record`), naming the field: invalid Unicode in any text, a payload
 * nested too deep, a blank recipient. What is stored is the schema's output.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { createMetrics } from '../../src/http/metrics.js';
import { createHttpServer, listen } from '../../src/http/server.js';
import { MAX_PAYLOAD_DEPTH } from '../../src/record-text.js';
import { runCli } from '../support/cli.js';
import { describeEngines, truncateAll } from '../support/engines.js';
import { testApp } from '../support/app.js';

const request = (supplier: string, extra: Record<string, unknown> = {}) => ({
  request_id: 1, supplier_id: supplier, supplier_email: 's@x.example', customer_email: 'c@x.example', item: 'bolt', quantity: 1, ...extra,
});
const deep = (levels: number) => {
  let v: unknown = 'bottom';
  for (let i = 0; i < levels; i++) v = { a: v };
  return v;
};
const paths = (err: unknown) => (err as ValidationError).issues.map((i) => i.path);

describeEngines('record() input', (engine) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  let server: FastifyInstance;
  let base: string;
  const countEvents = async () => Number((await engine.db.all<{ n: number }>('SELECT COUNT(*) AS n FROM digest_events'))[0]!.n);

  beforeAll(async () => {
    t = await testApp(engine);
    server = await createHttpServer(t.app, { token: 'tok-0123456789abcdef', metrics: createMetrics(t.ctx) });
    base = (await listen(server, { port: 0, token: 'tok-0123456789abcdef' })).url;
  });
  afterAll(async () => {
    await server?.close();
  });
  beforeEach(() => truncateAll(engine.db));
  const post = (body: string) => fetch(`${base}/v1/events`, {
    method: 'POST', body, headers: { authorization: 'Bearer tok-0123456789abcdef', 'content-type': 'application/json' },
  });

  it('recipients S\\ud800 and S\\ud801 (lone surrogates) are refused naming the field; nothing is stored', async () => {
    for (const supplier of ['S\ud800', 'S\ud801']) {
      const err = await t.recorder.record('Purchase.Requested', request(supplier)).catch((e) => e);
      expect(err).toBeInstanceOf(ValidationError);
      expect(paths(err)).toEqual(['payload.supplier_id']);
      expect(err.issues[0].message).toMatch(/valid Unicode/);
    }
    // Over HTTP: 422 with the same issue (JSON escapes carry the lone half intact).
    const res = await post(`{"type":"Purchase.Requested","payload":${JSON.stringify(request('S\ud800'))}}`);
    expect(res.status).toBe(422);
    expect(((await res.json()) as { issues: Array<{ path: string }> }).issues.map((i) => i.path)).toEqual(['payload.supplier_id']);
    expect(await countEvents()).toBe(0);
  });

  it('invalid Unicode in any text: a nested string, a key, the idempotency key, the type', async () => {
    const nested = await t.recorder.record('Purchase.Requested', request('S1', { notes: ['ok', { x: 'bad\udc00' }] })).catch((e) => e);
    expect(paths(nested)).toEqual(['payload.notes.1.x']);
    const key = await t.recorder.record('Purchase.Requested', request('S1', { ['k\ud800']: 1 })).catch((e) => e);
    expect(paths(key)).toEqual(['payload.k\ufffd']);
    const idem = await t.recorder.record('Purchase.Requested', request('S1'), { idempotencyKey: 'key\ud800' }).catch((e) => e);
    expect(paths(idem)).toEqual(['idempotencyKey']);
    const type = await t.recorder.record('Purchase.\ud800', request('S1')).catch((e) => e);
    expect(type).toBeInstanceOf(ValidationError);
    expect(paths(type)).toEqual(['type']);
    // A surrogate PAIR is valid Unicode (an emoji), and is stored as given.
    const ok = await t.recorder.record('Purchase.Requested', request('S\u{1F600}'));
    const [row] = await engine.db.all<{ recipient: string }>('SELECT recipient FROM digest_events WHERE id = ?', [ok]);
    expect(row!.recipient).toBe('S\u{1F600}');
    expect(await countEvents()).toBe(1);
  });

  it(`a payload nested 10,000 levels deep is a ValidationError (limit ${MAX_PAYLOAD_DEPTH}), a 422 over HTTP and one line from \`digest record\``, async () => {
    const err = await t.recorder.record('Purchase.Requested', request('S1', { extra: deep(10_000) })).catch((e) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.issues).toHaveLength(1);
    expect(err.issues[0].message).toBe(`must nest at most ${MAX_PAYLOAD_DEPTH} levels deep`);
    expect(err.issues[0].path).toMatch(/^payload\.extra\.a\.a/);
    // Just inside the limit is fine.
    await t.recorder.record('Purchase.Requested', request('S1', { extra: deep(MAX_PAYLOAD_DEPTH - 2) }));

    const text = `{"type":"Purchase.Requested","payload":${JSON.stringify(request('S1')).slice(0, -1)},"extra":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}}`;
    const res = await post(text);
    expect(res.status).toBe(422);

    const payload = `${JSON.stringify(request('S1')).slice(0, -1)},"extra":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`;
    const cli = await runCli(['record', 'Purchase.Requested', '-'], { DATABASE_URL: engine.url }, payload);
    expect(cli.code).toBe(1);
    expect(cli.stderr.trim().split('\n')).toHaveLength(1);
    expect(cli.stderr).toMatch(/must nest at most 64 levels deep/);
    expect(await countEvents()).toBe(1);
  });

  it('an empty or whitespace-only recipient is refused, naming recipient', async () => {
    for (const supplier of [' ', '\t \n']) {
      const err = await t.recorder.record('Purchase.Requested', request(supplier)).catch((e) => e);
      expect(err).toBeInstanceOf(ValidationError);
      expect(paths(err)).toEqual(['recipient']);
    }
    const many = await t.recorder.recordMany([{ type: 'Purchase.Requested', payload: request('S1') }, { type: 'Purchase.Requested', payload: request('  ') }]).catch((e) => e);
    expect(paths(many)).toEqual(['[1].recipient']);
    expect(await countEvents()).toBe(0);
  });

  it("stores the payload as the type's schema outputs it: a field the schema does not declare (ssn) is not stored", async () => {
    const id = await t.recorder.record('Order.Created', { email_address: 'ann@x.example', order_id: 5, ssn: '078-05-1120' });
    const [many] = await t.recorder.recordMany([{ type: 'Order.Created', payload: { email_address: 'bob@x.example', order_id: 6, ssn: '1' } }]);
    const rows = await engine.db.all<{ payload: unknown }>('SELECT payload FROM digest_events WHERE id IN (?, ?) ORDER BY id', [id, many]);
    const stored = rows.map((r) => (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload));
    expect(stored).toEqual([{ email_address: 'ann@x.example', order_id: 5 }, { email_address: 'bob@x.example', order_id: 6 }]);
    // A direct-SQL row is stored as inserted (and its unknown field is ignored by the schema at render).
    await engine.db.run('INSERT INTO digest_events (type, recipient, payload) VALUES (?, ?, ?)',
      ['Order.Created', 'c@x.example', JSON.stringify({ email_address: 'c@x.example', order_id: 7, ssn: '2' })]);
    const [direct] = await engine.db.all<{ payload: unknown }>('SELECT payload FROM digest_events WHERE recipient = ?', ['c@x.example']);
    expect(String(typeof direct!.payload === 'string' ? direct!.payload : JSON.stringify(direct!.payload))).toContain('ssn');
  });
});
