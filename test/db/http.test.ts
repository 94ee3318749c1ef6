import { request as httpRequest } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { createMetrics } from '../../src/http/metrics.js';
import { createHttpServer, listen } from '../../src/http/server.js';
import { openDb } from '../../src/store/open.js';
import { testApp } from '../support/app.js';
import { describeEngines, truncateAll } from '../support/engines.js';
import { updateDelivery } from '../support/factory.js';

const TOKEN = 'test-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };

async function serve(app: App, token?: string, protectDocs?: boolean) {
  const server = await createHttpServer(app, { token, protectDocs, metrics: createMetrics(app.ctx) });
  const { url, host } = await listen(server, { port: 0, token });
  return { server, url, host };
}

const request = (i: number, supplier: number) => ({
  request_id: `R${i}`, supplier_id: `S${supplier}`, supplier_email: `s${supplier}@supplier.example`,
  customer_email: `c${i}@shop.example`, item: `item ${i}`, quantity: 1,
});

describeEngines('HTTP API', (engine) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  let server: FastifyInstance;
  let base: string;
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${base}${path}`, { ...init, headers: { ...auth, ...(init.body ? { 'content-type': 'application/json' } : {}), ...init.headers } });
  const post = (path: string, body?: unknown, headers: Record<string, string> = {}) =>
    api(path, { method: 'POST', body: body === undefined ? undefined : JSON.stringify(body), headers });

  beforeAll(async () => {
    t = await testApp(engine);
    ({ server, url: base } = await serve(t.app, TOKEN));
  });
  afterAll(async () => {
    await server?.close();
  });
  beforeEach(async () => {
    await truncateAll(engine.db);
    t.transport.sent.length = 0;
    t.transport.failFor.clear();
  });

  it('round trip: POST an event, run its type, GET the event shows it sent', async () => {
    const created = await post('/v1/events', { type: 'Order.Created', payload: { email_address: 'ann@shop.example', order_id: 42 } });
    expect(created.status).toBe(201);
    const { id } = await created.json() as { id: number };
    expect(id).toBeGreaterThan(0);

    const before = await (await api(`/v1/events/${id}`)).json() as Record<string, unknown>;
    expect(before).toMatchObject({ id, type: 'Order.Created', recipient: 'ann@shop.example', state: 'outstanding', deliveryId: null, sentAt: null });

    const run = await post('/v1/schedules/Order.Created/run');
    expect(run.status).toBe(200);
    expect(await run.json()).toMatchObject({ type: 'Order.Created', dryRun: false, summary: { eventsClaimed: 1, deliveriesSent: 1 } });
    expect(t.transport.sent.map((m) => m.text)).toEqual(['Sending receipt to ann@shop.example for order #42...']);

    const res = await api(`/v1/events/${id}`);
    expect(res.status).toBe(200);
    const after = await res.json() as Record<string, unknown>;
    expect(after).toMatchObject({ id, state: 'sent', error: null });
    expect(after.deliveryId).toEqual(expect.any(Number));
    expect(Date.parse(after.sentAt as string)).not.toBeNaN();
    expect(Date.parse(after.recordedAt as string)).not.toBeNaN();

    expect((await api('/v1/events/999999')).status).toBe(404);
    expect((await api('/v1/events/abc')).status).toBe(400);
  });

  it('401 without a token or with a wrong one; the health probes need none', async () => {
    const none = await fetch(`${base}/v1/schedules`);
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ error: 'unauthorized' });
    const wrong = await fetch(`${base}/v1/schedules`, { headers: { authorization: `Bearer ${TOKEN}x` } });
    expect(wrong.status).toBe(401);
    const notBearer = await fetch(`${base}/v1/schedules`, { headers: { authorization: TOKEN } });
    expect(notBearer.status).toBe(401);
    const postNoToken = await fetch(`${base}/v1/events`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'Order.Created', payload: { email_address: 'a@b.example', order_id: 1 } }),
    });
    expect(postNoToken.status).toBe(401);
    const [{ n }] = await engine.db.all<{ n: number }>('SELECT COUNT(*) AS n FROM digest_events');
    expect(Number(n)).toBe(0);
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    // The OpenAPI document and docs page hold no data: open by default.
    expect((await fetch(`${base}/openapi.json`)).status).toBe(200);
    expect((await fetch(`${base}/docs`)).status).toBe(200);

    expect((await api('/v1/schedules')).status).toBe(200);
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true });
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    // The dashboard page carries no data (it asks the API, with the token): no 401 for it.
    expect((await fetch(`${base}/`)).status).not.toBe(401);
    expect((await fetch(`${base}/?x=1`)).status).not.toBe(401);
    expect((await fetch(`${base}/v1`)).status).toBe(401);
  });

  it('DIGEST_PROTECT_DOCS: /docs and /openapi.json need the token too', async () => {
    const guarded = await serve(t.app, TOKEN, true);
    try {
      expect((await fetch(`${guarded.url}/openapi.json`)).status).toBe(401);
      expect((await fetch(`${guarded.url}/docs`)).status).toBe(401);
      expect((await fetch(`${guarded.url}/openapi.json`, { headers: auth })).status).toBe(200);
    } finally {
      await guarded.server.close();
    }
  });

  it('ids in paths are decimal digits only: 0x10 and 1e3 are 400, not events 16 and 1000', async () => {
    for (const id of ['0x10', '1e3', '+5', '07', ' 5', '5.0', '0']) {
      expect((await api(`/v1/events/${encodeURIComponent(id)}`)).status, `/v1/events/${id}`).toBe(400);
      expect((await api(`/v1/deliveries/${encodeURIComponent(id)}`)).status, `/v1/deliveries/${id}`).toBe(400);
      expect((await post(`/v1/deliveries/${encodeURIComponent(id)}/retry`)).status, `retry ${id}`).toBe(400);
    }
    expect((await api('/v1/events/16')).status).toBe(404);
  });

  it('two Idempotency-Key headers are a 400, and nothing is recorded', async () => {
    const body = JSON.stringify({ type: 'Order.Created', payload: { email_address: 'a@b.example', order_id: 1 } });
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${base}/v1/events`, {
        method: 'POST',
        // Two header lines (Node would hand us "z1, z2" as one value).
        headers: { ...auth, 'content-type': 'application/json', 'idempotency-key': ['z1', 'z2'] },
      }, (res) => { res.resume(); resolve(res.statusCode!); });
      req.on('error', reject);
      req.end(body);
    });
    expect(status).toBe(400);
    const [{ n }] = await engine.db.all<{ n: number }>('SELECT COUNT(*) AS n FROM digest_events');
    expect(Number(n)).toBe(0);
    expect((await post('/v1/events', JSON.parse(body), { 'idempotency-key': 'z1' })).status).toBe(201);
  });

  it('without a token: a foreign Host (DNS rebinding) or a foreign Origin (cross-site POST) is refused with 403', async () => {
    const open = await serve(t.app);
    const port = new URL(open.url).port;
    const call = (path: string, headers: Record<string, string>, method = 'GET') => new Promise<number>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path, method, headers }, (res) => { res.resume(); resolve(res.statusCode!); });
      req.on('error', reject);
      req.end(method === 'POST' ? JSON.stringify({ type: 'Order.Created', payload: { email_address: 'a@b.example', order_id: 1 } }) : undefined);
    });
    const json = { 'content-type': 'application/json' };
    try {
      expect(await call('/v1/schedules', { host: `evil.example:${port}` })).toBe(403);
      expect(await call('/v1/schedules', { host: '127.0.0.1' })).toBe(403);
      expect(await call('/v1/schedules', { host: `127.0.0.1:${port}` })).toBe(200);
      expect(await call('/v1/schedules', { host: `localhost:${port}` })).toBe(200);
      expect(await call('/v1/schedules', { host: `[::1]:${port}` })).toBe(200);
      expect(await call('/v1/events', { ...json, host: `127.0.0.1:${port}`, origin: 'https://evil.example' }, 'POST')).toBe(403);
      expect(await call('/v1/events', { ...json, host: `127.0.0.1:${port}`, origin: 'null' }, 'POST')).toBe(403);
      const [{ n }] = await engine.db.all<{ n: number }>('SELECT COUNT(*) AS n FROM digest_events');
      expect(Number(n)).toBe(0);
      expect(await call('/v1/events', { ...json, host: `localhost:${port}`, origin: `http://localhost:${port}` }, 'POST')).toBe(201);
    } finally {
      await open.server.close();
    }
  });

  it('without a token configured: binds loopback only and serves loopback clients without one', async () => {
    const open = await serve(t.app);
    try {
      expect(open.host).toBe('127.0.0.1');
      const res = await fetch(`${open.url}/v1/schedules`);
      expect(res.status).toBe(200);
    } finally {
      await open.server.close();
    }
  });

  it('413 on a body over 1 MiB, 400 on malformed JSON, and nothing recorded', async () => {
    const big = await post('/v1/events', { type: 'Order.Created', payload: { email_address: 'a@b.example', order_id: 1, pad: 'x'.repeat(1_100_000) } });
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ error: 'payload_too_large' });
    const bad = await api('/v1/events', { method: 'POST', body: '{"type": "Order.Created", ', headers: { 'content-type': 'application/json' } });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'malformed_json' });
    const [{ n }] = await engine.db.all<{ n: number }>('SELECT COUNT(*) AS n FROM digest_events');
    expect(Number(n)).toBe(0);
  });

  it('422 naming the bad field, as record() does; 422 with the known types for an unknown type', async () => {
    const res = await post('/v1/events', { type: 'Order.Created', payload: { email_address: 'a@b.example', order_id: 'seven' } });
    expect(res.status).toBe(422);
    const body = await res.json() as { error: string; issues: Array<{ path: string; message: string }> };
    expect(body.error).toBe('validation');
    expect(body.issues.map((i) => i.path)).toEqual(['payload.order_id']);
    // "5" is not coerced into 5 on the way in: the handler's schema decides.
    expect((await post('/v1/events', { type: 'Order.Created', payload: { email_address: 'a@b.example', order_id: '5' } })).status).toBe(422);

    const unknown = await post('/v1/events', { type: 'Nope.Created', payload: {} });
    expect(unknown.status).toBe(422);
    expect(await unknown.json()).toMatchObject({ error: 'unknown_event_type', knownTypes: expect.arrayContaining(['Order.Created', 'Purchase.Requested']) });

    const badTime = await post('/v1/events', { type: 'Order.Created', payload: { email_address: 'a@b.example', order_id: 1 }, occurredAt: 'yesterday' });
    expect(badTime.status).toBe(422);
    expect((await badTime.json() as typeof body).issues.map((i) => i.path)).toEqual(['occurredAt']);

    const [{ n }] = await engine.db.all<{ n: number }>('SELECT COUNT(*) AS n FROM digest_events');
    expect(Number(n)).toBe(0);
  });

  it('an idempotent re-post with the same Idempotency-Key returns the same id and records once', async () => {
    const ev = { type: 'Order.Created', payload: { email_address: 'a@b.example', order_id: 9 } };
    const first = await post('/v1/events', ev, { 'idempotency-key': 'order-9' });
    const second = await post('/v1/events', ev, { 'idempotency-key': 'order-9' });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    const a = await first.json() as { id: number };
    expect(await second.json()).toEqual({ id: a.id });
    const other = await (await post('/v1/events', ev, { 'idempotency-key': 'order-10' })).json() as { id: number };
    expect(other.id).not.toBe(a.id);
    const rows = await engine.db.all<{ k: string }>('SELECT idempotency_key AS k FROM digest_events ORDER BY id');
    expect(rows.map((r) => r.k)).toEqual(['order-9', 'order-10']);
  });

  it('an array of 3 records 3 events (all or nothing); the header key is refused for arrays', async () => {
    const events = [1, 2, 3].map((i) => ({ type: 'Purchase.Requested', payload: request(i, i) }));
    const res = await post('/v1/events', events);
    expect(res.status).toBe(201);
    const { ids } = await res.json() as { ids: number[] };
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(3);
    for (const [i, id] of ids.entries()) {
      expect(await (await api(`/v1/events/${id}`)).json()).toMatchObject({ id, recipient: `S${i + 1}`, state: 'outstanding' });
    }

    const bad = await post('/v1/events', [...events, { type: 'Purchase.Requested', payload: { ...request(4, 4), quantity: 'many' } }]);
    expect(bad.status).toBe(422);
    expect((await bad.json() as { issues: Array<{ path: string }> }).issues.map((i) => i.path)).toEqual(['[3].payload.quantity']);
    expect((await post('/v1/events', events, { 'idempotency-key': 'k' })).status).toBe(422);
    const [{ n }] = await engine.db.all<{ n: number }>('SELECT COUNT(*) AS n FROM digest_events');
    expect(Number(n)).toBe(3);
  });

  it('/readyz: 200 when migrated, 503 with the reason on an unmigrated database', async () => {
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ok: true });

    const empty = await engine.createEmpty();
    const db = openDb(empty.url);
    const unmigrated = await testApp({ ...engine, db });
    const s = await serve(unmigrated.app, TOKEN);
    try {
      const res = await fetch(`${s.url}/readyz`);
      expect(res.status).toBe(503);
      const body = await res.json() as { ok: boolean; reason: string };
      expect(body.ok).toBe(false);
      expect(body.reason).toMatch(/not migrated/);
      expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
    } finally {
      await s.server.close();
      await db.close();
      await empty.drop();
    }
  });

  it('serves an OpenAPI 3 document listing the routes, and the docs page', async () => {
    const res = await api('/openapi.json');
    expect(res.status).toBe(200);
    const doc = await res.json() as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining([
      '/v1/events', '/v1/events/{id}', '/v1/schedules', '/v1/schedules/{type}/run', '/v1/deliveries', '/v1/deliveries/{id}/retry', '/readyz',
    ]));
    // Producers in other languages see each type's payload contract.
    expect(JSON.stringify(doc.paths['/v1/events']!.post)).toContain('order_id');
    const docs = await api('/docs');
    expect(docs.status).toBe(200);
    expect(docs.headers.get('content-type')).toMatch(/text\/html/);
  });

  it('GET /v1/schedules: per type cadence, next fire times, outstanding and last run; run 404s an unknown type; dryRun claims nothing', async () => {
    await post('/v1/events', [1, 2].map((i) => ({ type: 'Purchase.Requested', payload: request(i, 1) })));
    const res = await api('/v1/schedules');
    expect(res.status).toBe(200);
    const { types } = await res.json() as { types: Array<Record<string, any>> };
    const pr = types.find((x) => x.type === 'Purchase.Requested')!;
    expect(pr).toMatchObject({ cadence: '0 */4 * * *', timezone: 'UTC', outstanding: 2, lastRun: null });
    expect(pr.next).toHaveLength(3);
    expect(types.find((x) => x.type === 'Order.Created')).toMatchObject({ nextRun: 'continuous', next: [] });

    expect((await post('/v1/schedules/Nope.Created/run')).status).toBe(404);
    const dry = await post('/v1/schedules/Purchase.Requested/run?dryRun=true');
    expect(dry.status).toBe(200);
    const preview = await dry.json() as { dryRun: boolean; messages: Array<{ recipient: string; text: string }> };
    expect(preview.dryRun).toBe(true);
    expect(preview.messages.map((m) => m.recipient)).toEqual(['S1']);
    expect(preview.messages[0]!.text).toContain('#R2');
    expect(t.transport.sent).toHaveLength(0);

    await post('/v1/schedules/Purchase.Requested/run?recipient=S1');
    const again = await (await api('/v1/schedules')).json() as { types: Array<Record<string, any>> };
    expect(again.types.find((x) => x.type === 'Purchase.Requested')).toMatchObject({
      outstanding: 0, lastRun: { trigger: 'manual', status: 'succeeded', deliveriesSent: 1 }, deliveries: { sent: 1 },
    });
  });

  it('deliveries: list filters and pages newest first, shows content and events, retry is 409 unless dead/failed', async () => {
    t.transport.failFor.add('S2');
    await post('/v1/events', [1, 2, 3].map((i) => ({ type: 'Purchase.Requested', payload: request(i, i) })));
    await post('/v1/events', { type: 'Order.Created', payload: { email_address: 'o@shop.example', order_id: 5 } });
    await post('/v1/schedules/Purchase.Requested/run');
    await post('/v1/schedules/Order.Created/run');

    const list = async (q: string) => {
      const res = await api(`/v1/deliveries${q}`);
      expect(res.status).toBe(200);
      return await res.json() as { items: Array<{ id: number; recipient: string; status: string; eventType: string }>; nextCursor: string | null };
    };
    const all = await list('');
    expect(all.items).toHaveLength(4);
    expect(all.items.map((d) => d.id)).toEqual([...all.items.map((d) => d.id)].sort((a, b) => b - a));
    expect(all.nextCursor).toBeNull();
    expect((await list('?status=failed')).items.map((d) => d.recipient)).toEqual(['S2']);
    expect((await list('?type=Purchase.Requested&status=sent')).items.map((d) => d.recipient).sort()).toEqual(['S1', 'S3']);
    expect((await list('?type=Order.Created')).items.map((d) => [d.eventType, d.recipient])).toEqual([['Order.Created', 'o@shop.example']]);
    expect((await list('?recipient=S3')).items).toHaveLength(1);
    expect((await api('/v1/deliveries?status=bogus')).status).toBe(400);

    const page1 = await list('?limit=3');
    expect(page1.items).toHaveLength(3);
    expect(page1.nextCursor).not.toBeNull();
    const page2 = await list(`?limit=3&cursor=${page1.nextCursor}`);
    expect(page2.items.map((d) => d.id)).toEqual([all.items[3]!.id]);

    const failed = (await list('?status=failed')).items[0]!;
    const sent = (await list('?recipient=S1')).items[0]!;
    const detail = await (await api(`/v1/deliveries/${sent.id}`)).json() as { text: string; events: Array<{ id: number; payload: { request_id: string } }> };
    expect(detail.text).toContain('#R1');
    expect(detail.events.map((e) => e.payload.request_id)).toEqual(['R1']);
    expect((await api('/v1/deliveries/999999')).status).toBe(404);

    const conflict = await post(`/v1/deliveries/${sent.id}/retry`);
    expect(conflict.status).toBe(409);
    expect(await conflict.json()).toMatchObject({ error: 'conflict', status: 'sent' });
    await updateDelivery(engine.db, failed.id, { status: 'dead' });
    const retried = await post(`/v1/deliveries/${failed.id}/retry`);
    expect(retried.status).toBe(200);
    expect(await retried.json()).toEqual({ id: failed.id, requeued: true });
    const [row] = await engine.db.all<{ status: string; attempts: number }>('SELECT status, attempts FROM digest_deliveries WHERE id = ?', [failed.id]);
    expect(row).toMatchObject({ status: 'failed' });
    expect(Number(row.attempts)).toBe(0);
    expect((await post('/v1/deliveries/999999/retry')).status).toBe(404);
  });
});
