/**
 * The suppression list over HTTP on both engines: the token guards every
 * route; POST suppresses (lower-cased), GET lists (newest first or by
 * address, paged), DELETE removes; the bounce webhook suppresses on hard
 * bounces and complaints only and says so per report; 422 names the field;
 * /metrics counts suppressed deliveries and shows them by status.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { createMetrics } from '../../src/http/metrics.js';
import { createHttpServer, listen } from '../../src/http/server.js';
import { runType } from '../../src/runner/run.js';
import { testApp } from '../support/app.js';
import { DatabaseClock } from '../support/database-clock.js';
import { describeEngines, truncateAll } from '../support/engines.js';

const TOKEN = 'tok-suppressions-0123456789';

describeEngines('the suppression list over HTTP', (engine) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  let server: FastifyInstance;
  let base: string;
  // Fresh per test: the listing test stops it at fixed instants, which would hold back every claim after it.
  let clock = new DatabaseClock();
  const api = (p: string, init: RequestInit = {}, token: string | null = TOKEN) => fetch(`${base}${p}`, {
    ...init,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(init.body ? { 'content-type': 'application/json' } : {}), ...init.headers },
  });
  const post = (p: string, body: unknown, token?: string | null) => api(p, { method: 'POST', body: JSON.stringify(body) }, token);

  beforeAll(async () => {
    t = await testApp(engine, { databaseNow: () => clock.now() });
    const metrics = createMetrics(t.ctx);
    metrics.subscribe(t.ctx.lifecycle);
    server = await createHttpServer(t.app, { token: TOKEN, metrics });
    base = (await listen(server, { port: 0, token: TOKEN })).url;
  });
  afterAll(async () => {
    await server?.close();
  });
  beforeEach(async () => {
    clock = new DatabaseClock();
    await truncateAll(engine.db);
  });

  it('every route needs the token: 401 without it, and nothing is stored', async () => {
    expect((await post('/v1/suppressions', { address: 'a@x.example' }, null)).status).toBe(401);
    expect((await post('/v1/suppressions', { address: 'a@x.example' }, 'wrong-token')).status).toBe(401);
    expect((await post('/v1/bounces', { type: 'hard', address: 'a@x.example' }, null)).status).toBe(401);
    expect((await api('/v1/suppressions', {}, null)).status).toBe(401);
    expect((await api('/v1/suppressions/a%40x.example', { method: 'DELETE' }, null)).status).toBe(401);
    expect(await t.app.suppressions.countSuppressions()).toBe(0);
    // Documented: the OpenAPI document lists every route (it holds no data, so it is open).
    const doc = await (await api('/openapi.json', {}, null)).json() as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths['/v1/suppressions']!).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/v1/suppressions/{address}']!)).toEqual(['delete']);
    expect(Object.keys(doc.paths['/v1/bounces']!)).toEqual(['post']);
  });

  it('POST stores the address lower-cased (reason manual by default), GET lists it, DELETE removes it in any case', async () => {
    const res = await post('/v1/suppressions', { address: 'Ann@Shop.Example', detail: 'asked by phone' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ address: 'ann@shop.example', reason: 'manual', detail: 'asked by phone', createdAt: expect.stringMatching(/Z$/) });
    const listed = await (await api('/v1/suppressions')).json() as { items: Array<{ address: string }>; total: number; nextCursor: string | null };
    expect(listed).toMatchObject({ total: 1, nextCursor: null, items: [{ address: 'ann@shop.example', reason: 'manual' }] });

    expect((await api(`/v1/suppressions/${encodeURIComponent('ANN@shop.example')}`, { method: 'DELETE' })).status).toBe(204);
    const again = await api(`/v1/suppressions/${encodeURIComponent('ann@shop.example')}`, { method: 'DELETE' });
    expect(again.status).toBe(404);
    expect(await again.json()).toMatchObject({ error: 'not_found' });
    expect(await t.app.suppressions.countSuppressions()).toBe(0);
  });

  it('lists newest first by default, by address on request, page by page through nextCursor', async () => {
    for (const [i, a] of ['c@x.example', 'a@x.example', 'b@x.example'].entries()) {
      clock.set(new Date(Date.UTC(2026, 2, 1, 10, 0, i)));
      expect((await post('/v1/suppressions', { address: a, reason: 'bounce' })).status).toBe(200);
    }
    const walk = async (order: string) => {
      const seen: string[] = [];
      let after: string | null = null;
      do {
        const q: string = `/v1/suppressions?order=${order}&limit=2${after ? `&after=${encodeURIComponent(after)}` : ''}`;
        const page = await (await api(q)).json() as { items: Array<{ address: string }>; total: number; nextCursor: string | null };
        expect(page.total).toBe(3);
        seen.push(...page.items.map((i) => i.address));
        after = page.nextCursor;
      } while (after);
      return seen;
    };
    expect(await walk('newest')).toEqual(['b@x.example', 'a@x.example', 'c@x.example']);
    expect(await walk('address')).toEqual(['a@x.example', 'b@x.example', 'c@x.example']);
    expect((await api('/v1/suppressions?after=garbage')).status).toBe(400);
    expect((await api('/v1/suppressions?order=oldest')).status).toBe(400);
  });

  it('422 naming the field: address, reason, an unknown field; a body that is not an object', async () => {
    const bad = async (body: unknown) => {
      const res = await post('/v1/suppressions', body);
      expect(res.status).toBe(422);
      return ((await res.json()) as { error: string; issues: Array<{ path: string }> });
    };
    expect(await bad({ address: 'nobody' })).toMatchObject({ error: 'validation', issues: [{ path: 'address', message: '"nobody" is not an email address (local@domain)' }] });
    expect((await bad({ address: 'a@x.example', reason: 'spam' })).issues).toEqual([{ path: 'reason', message: 'must be one of manual, bounce, complaint' }]);
    expect((await bad({ address: 'a@x.example', until: 'tomorrow' })).issues).toEqual([{ path: 'until', message: 'is not a known field' }]);
    expect((await bad({})).issues).toEqual([{ path: 'address', message: 'is required' }]);
    expect((await bad([1])).issues).toEqual([{ path: '', message: 'must be an object' }]);
    expect(await t.app.suppressions.countSuppressions()).toBe(0);
  });

  it('the bounce webhook: hard and complaint suppress, soft does not; one report or an array; the answer says what was done', async () => {
    const res = await post('/v1/bounces', [
      { type: 'hard', address: 'Gone@Shop.example', detail: '550 5.1.1 user unknown' },
      { type: 'soft', address: 'full@shop.example', detail: '452 mailbox full' },
      { type: 'complaint', address: 'angry@shop.example' },
    ]);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      results: [
        { type: 'hard', address: 'gone@shop.example', action: 'suppressed', reason: 'bounce' },
        { type: 'soft', address: 'full@shop.example', action: 'ignored', reason: null },
        { type: 'complaint', address: 'angry@shop.example', action: 'suppressed', reason: 'complaint' },
      ],
      suppressed: 2, ignored: 1,
    });
    const one = await post('/v1/bounces', { type: 'soft', address: 'other@shop.example' });
    expect(await one.json()).toMatchObject({ suppressed: 0, ignored: 1 });
    const listed = await t.app.suppressions.listSuppressions({ order: 'address' });
    expect(listed.map((s) => [s.address, s.reason, s.detail])).toEqual([
      ['angry@shop.example', 'complaint', null], ['gone@shop.example', 'bounce', '550 5.1.1 user unknown'],
    ]);
  });

  it('a bad bounce report is a 422 naming its index and field; nothing of the batch is stored', async () => {
    const res = await post('/v1/bounces', [{ type: 'hard', address: 'a@x.example' }, { type: 'hardish', address: 'b@x.example' }]);
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ error: 'validation', issues: [{ path: '[1].type', message: 'must be one of hard, soft, complaint' }] });
    const empty = await post('/v1/bounces', []);
    expect(empty.status).toBe(422);
    expect(await t.app.suppressions.countSuppressions()).toBe(0);
  });

  it('/metrics counts suppressed deliveries by type and shows them in digest_deliveries; the event says suppressed', async () => {
    await post('/v1/bounces', { type: 'hard', address: 'gone@shop.example' });
    const id = await t.recorder.record('Order.Created', { email_address: 'gone@shop.example', order_id: 1 });
    await t.recorder.record('Order.Created', { email_address: 'here@shop.example', order_id: 2 });
    await runType(t.ctx, { type: 'Order.Created', trigger: 'immediate' });
    const text = await (await api('/metrics')).text();
    expect(text).toMatch(/^digest_deliveries_suppressed_total\{type="Order.Created"\} 1$/m);
    expect(text).toMatch(/^digest_deliveries\{type="Order.Created",status="suppressed"\} 1$/m);
    expect(text).toMatch(/^digest_deliveries\{type="Order.Created",status="sent"\} 1$/m);
    // Every configured type shows the status, at 0 when none.
    expect(text).toMatch(/^digest_deliveries\{type="Purchase.Requested",status="suppressed"\} 0$/m);

    const event = await (await api(`/v1/events/${id}`)).json() as { state: string };
    expect(event.state).toBe('suppressed');
    const listed = await (await api('/v1/deliveries?status=suppressed')).json() as { items: Array<{ recipient: string; status: string }> };
    expect(listed.items.map((d) => [d.recipient, d.status])).toEqual([['gone@shop.example', 'suppressed']]);
  });
});
