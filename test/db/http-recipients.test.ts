/**
 * Recipient profiles over HTTP on both engines: PUT replaces the whole
 * profile, GET one, list paged by key, DELETE; 422 naming the field; the
 * token guards them; keys with `@`, `/`, `+` and spaces travel URL-encoded.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { createMetrics } from '../../src/http/metrics.js';
import { createHttpServer, listen } from '../../src/http/server.js';
import { describeEngines, truncateAll } from '../support/engines.js';
import { testApp } from '../support/app.js';

const TOKEN = 'tok-recipients-0123456789';
const path = (key: string) => `/v1/recipients/${encodeURIComponent(key)}`;

describeEngines('recipient profiles over HTTP', (engine) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  let server: FastifyInstance;
  let base: string;
  const api = (p: string, init: RequestInit = {}) => fetch(`${base}${p}`, {
    ...init, headers: { authorization: `Bearer ${TOKEN}`, ...(init.body ? { 'content-type': 'application/json' } : {}), ...init.headers },
  });
  const put = (key: string, body: unknown) => api(path(key), { method: 'PUT', body: JSON.stringify(body) });

  beforeAll(async () => {
    t = await testApp(engine);
    server = await createHttpServer(t.app, { token: TOKEN, metrics: createMetrics(t.ctx) });
    base = (await listen(server, { port: 0, token: TOKEN })).url;
  });
  afterAll(async () => {
    await server?.close();
  });
  beforeEach(() => truncateAll(engine.db));

  it('PUT answers 200 with the stored profile, GET returns it, a second PUT replaces the whole of it', async () => {
    const res = await put('ann@shop.example', {
      timeZone: 'Europe/Berlin', locale: 'de-de', quietHours: { start: '22:00', end: '07:00' },
      preferences: { 'Purchase.Responded': { frequency: 'weekly', at: '09:00', day: 'fri' } },
    });
    expect(res.status).toBe(200);
    const stored = await res.json() as Record<string, unknown>;
    expect(stored).toEqual({
      recipient: 'ann@shop.example', timeZone: 'Europe/Berlin', locale: 'de-DE', quietHours: { start: '22:00', end: '07:00' },
      preferences: { 'Purchase.Responded': { frequency: 'weekly', at: '09:00', day: 'fri' } },
      updatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
    });
    const got = await api(path('ann@shop.example'));
    expect(got.status).toBe(200);
    expect(await got.json()).toEqual(stored);

    const replaced = await put('ann@shop.example', { preferences: { 'Order.Created': { frequency: 'off' } } });
    expect(replaced.status).toBe(200);
    expect(await replaced.json()).toMatchObject({ timeZone: null, locale: null, quietHours: null, preferences: { 'Order.Created': { frequency: 'off' } } });
  });

  it('422 naming each field and rule; nothing stored', async () => {
    const res = await put('bob', { timeZone: 'Mars/Base', quietHours: { start: '22:00' }, preferences: { 'Order.Shipped': { frequency: 'daily' } } });
    expect(res.status).toBe(422);
    const body = await res.json() as { error: string; message: string; issues: Array<{ path: string; message: string }> };
    expect(body.error).toBe('validation');
    expect(body.issues).toEqual([
      { path: 'timeZone', message: '"Mars/Base" is not an IANA time zone' },
      { path: 'quietHours.end', message: 'is required (quiet hours need both start and end)' },
      { path: 'preferences.Order.Shipped', message: expect.stringMatching(/^unknown event type "Order\.Shipped"/) },
    ]);
    expect(body.message).toContain('timeZone: "Mars/Base" is not an IANA time zone');
    expect((await put('bob', 'UTC')).status).toBe(422);
    expect((await api(path('bob'))).status).toBe(404);
  });

  it('keys with @, /, + and spaces, URL-encoded, are one path segment and stored exactly', async () => {
    const keys = ['Ann@x', 'ann@x', 'team/ops+alerts@x.example', 'supplier 42', 'ü/%?#', `${'a@/'.repeat(63)}xy`];
    for (const key of keys) expect((await put(key, { locale: 'en' })).status, key).toBe(200);
    for (const key of keys) {
      const res = await api(path(key));
      expect(res.status, key).toBe(200);
      expect((await res.json() as { recipient: string }).recipient).toBe(key);
    }
    const rows = await engine.db.all<{ recipient: string }>('SELECT recipient FROM digest_recipients');
    expect(rows.map((r) => r.recipient).sort()).toEqual([...keys].sort());
    expect((await api(path('ANN@X'))).status).toBe(404);
  });

  it('list pages in recipient order with after/limit; nextCursor is null on the last page', async () => {
    for (const key of ['c', 'a', 'b@x', 'd e']) await put(key, {});
    const first = await (await api('/v1/recipients?limit=3')).json() as { items: Array<{ recipient: string }>; nextCursor: string | null };
    expect(first.items.map((p) => p.recipient)).toEqual(['a', 'b@x', 'c']);
    expect(first.nextCursor).toBe('c');
    const rest = await (await api(`/v1/recipients?limit=3&after=${encodeURIComponent(first.nextCursor!)}`)).json() as typeof first;
    expect(rest).toMatchObject({ items: [{ recipient: 'd e', preferences: {} }], nextCursor: null });
    expect((await api('/v1/recipients?limit=0')).status).toBe(400);
  });

  it('DELETE is 204, then 404; GET of a deleted profile is 404', async () => {
    await put('a/b', { locale: 'en' });
    const del = await api(path('a/b'), { method: 'DELETE' });
    expect(del.status).toBe(204);
    expect(await del.text()).toBe('');
    expect((await api(path('a/b'), { method: 'DELETE' })).status).toBe(404);
    const missing = await api(path('a/b'));
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: 'not_found' });
  });

  it('401 without the token on every recipient route; nothing is written', async () => {
    const bare = (p: string, init: RequestInit = {}) => fetch(`${base}${p}`, init);
    expect((await bare(path('ann'), { method: 'PUT', body: '{}', headers: { 'content-type': 'application/json' } })).status).toBe(401);
    expect((await bare(path('ann'))).status).toBe(401);
    expect((await bare('/v1/recipients')).status).toBe(401);
    expect((await bare(path('ann'), { method: 'DELETE' })).status).toBe(401);
    expect(await engine.db.all('SELECT recipient FROM digest_recipients')).toEqual([]);
  });

  it('the routes are in /openapi.json with the profile schema', async () => {
    const doc = await (await api('/openapi.json')).json() as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths['/v1/recipients/{key}']!).sort()).toEqual(['delete', 'get', 'put']);
    expect(Object.keys(doc.paths['/v1/recipients']!)).toEqual(['get']);
    const putDoc = JSON.stringify(doc.paths['/v1/recipients/{key}']!.put);
    for (const word of ['timeZone', 'quietHours', 'weekly', 'Purchase.Requested']) expect(putDoc).toContain(word);
  });
});
