/**
 * The dashboard's data over HTTP on both engines (issue 17): finding
 * deliveries by filters and search, a delivery as sent (headers included),
 * a recipient's page, and the activity charts after a drain through the
 * real runner. Every one needs the token.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import type { DigestConfig } from '../../src/config/types.js';
import { createMetrics } from '../../src/http/metrics.js';
import { createHttpServer, listen } from '../../src/http/server.js';
import { shippedConfig, testApp } from '../support/app.js';
import { describeEngines, truncateAll } from '../support/engines.js';

const TOKEN = 'tok-find-0123456789abcdef';

type Summary = { id: number; eventType: string; recipient: string; status: string; messageId: string | null; createdAt: string };
type Page = { items: Summary[]; nextCursor: string | null };

describeEngines('the dashboard\'s data over HTTP', (engine) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  let server: FastifyInstance;
  let base: string;
  const api = (p: string, init: RequestInit = {}) => fetch(`${base}${p}`, {
    ...init, headers: { authorization: `Bearer ${TOKEN}`, ...(init.body ? { 'content-type': 'application/json' } : {}), ...init.headers },
  });
  const page = async (query: string) => {
    const res = await api(`/v1/deliveries?${query}`);
    expect(res.status, query).toBe(200);
    return await res.json() as Page;
  };
  const record = (type: string, payload: Record<string, unknown>) =>
    api('/v1/events', { method: 'POST', body: JSON.stringify({ type, payload }) }).then(async (r) => {
      expect(r.status).toBe(201);
      return (await r.json() as { id: number }).id;
    });
  const run = async (type: string) => expect((await api(`/v1/schedules/${type}/run`, { method: 'POST' })).status).toBe(200);
  const order = (email: string, n: number) => record('Order.Created', { email_address: email, order_id: n });
  const purchase = (n: number, supplier: number) => record('Purchase.Requested', {
    request_id: `R${n}`, supplier_id: `S${supplier}`, supplier_email: `s${supplier}@supplier.example`,
    customer_email: `c${n}@shop.example`, item: `item ${n}`, quantity: 1,
  });

  beforeAll(async () => {
    const config: DigestConfig = { ...shippedConfig(), publicUrl: 'https://digest.example', unsubscribe: { secret: 'k'.repeat(40) } };
    t = await testApp(engine, { config });
    server = await createHttpServer(t.app, { token: TOKEN, metrics: createMetrics(t.ctx) });
    base = (await listen(server, { port: 0, token: TOKEN })).url;
  });
  afterAll(async () => {
    await server?.close();
  });
  beforeEach(async () => {
    await truncateAll(engine.db);
    t.transport.sent.length = 0;
    t.transport.failFor.clear();
  });

  /** ann: 3 orders sent; bob: 2 orders, failed; S1: one digest of 2 purchase requests. */
  async function drain() {
    for (let i = 1; i <= 3; i++) await order('ann@shop.example', i);
    await order('bob@shop.example', 4);
    await order('bob@shop.example', 5);
    t.transport.failFor.add('bob@shop.example');
    await run('Order.Created');
    const p1 = await purchase(1, 1);
    const p2 = await purchase(2, 1);
    await run('Purchase.Requested');
    return { p1, p2 };
  }

  it('filters by type, status and recipient narrow the list, newest first, and combine', async () => {
    await drain();
    const all = await page('');
    expect(all.items).toHaveLength(6);
    expect(all.items.map((d) => d.id)).toEqual([...all.items.map((d) => d.id)].sort((a, b) => b - a));
    expect((await page('type=Purchase.Requested')).items.map((d) => d.recipient)).toEqual(['S1']);
    expect((await page('status=failed')).items.map((d) => d.recipient)).toEqual(['bob@shop.example', 'bob@shop.example']);
    expect((await page('recipient=ann%40shop.example')).items).toHaveLength(3);
    expect((await page('recipient=ann%40shop.example&status=failed')).items).toEqual([]);
    expect((await page('type=Order.Created&status=sent')).items.map((d) => d.recipient)).toEqual(Array(3).fill('ann@shop.example'));
    // Paged by id: two pages of 2 and the rest, no overlap.
    const first = await page('type=Order.Created&limit=2');
    expect(first.nextCursor).toBe(String(first.items[1]!.id));
    const second = await page(`type=Order.Created&limit=2&cursor=${first.nextCursor}`);
    expect(second.items.every((d) => d.id < first.items[1]!.id)).toBe(true);
    expect((await api('/v1/deliveries?status=nope')).status).toBe(400);
  });

  it('a created time range narrows the list; a bad time is a 400 naming the field', async () => {
    await drain();
    const ids = (await page('')).items.map((d) => d.id).sort((a, b) => a - b);
    // The two oldest deliveries were made on Jan 1st (ids and times still rise together).
    const jan = engine.name === 'mysql' ? new Date('2026-01-01T10:00:00Z') : '2026-01-01 10:00:00.000';
    await engine.db.run('UPDATE digest_deliveries SET created_at = ? WHERE id IN (?, ?)', [jan, ids[0], ids[1]]);
    expect((await page('to=2026-02-01T00:00:00Z')).items.map((d) => d.id)).toEqual([ids[1], ids[0]]);
    expect((await page('from=2026-02-01T00:00:00Z')).items.map((d) => d.id)).toEqual(ids.slice(2).reverse());
    expect((await page('from=2026-01-01T00:00:00Z&to=2026-01-01T10:00:00.001Z&status=failed')).items).toHaveLength(
      (await page('status=failed')).items.filter((d) => d.id === ids[0] || d.id === ids[1]).length);
    expect((await page('from=2099-01-01T00:00:00Z')).items).toEqual([]);
    const bad = await api('/v1/deliveries?from=yesterday');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'validation', message: expect.stringContaining('from') });
  });

  it('q finds a delivery by Message-ID (with or without brackets), by event id, or by recipient', async () => {
    const { p2 } = await drain();
    const s1 = (await page('type=Purchase.Requested')).items[0]!;
    expect(s1.messageId).toMatch(/^<delivery\.\d+@.+>$/);
    expect((await page(`q=${encodeURIComponent(s1.messageId!)}`)).items.map((d) => d.id)).toEqual([s1.id]);
    expect((await page(`q=${encodeURIComponent(s1.messageId!.slice(1, -1))}`)).items.map((d) => d.id)).toEqual([s1.id]);
    // Same delivery id, another installation's domain: not ours.
    expect((await page(`q=${encodeURIComponent(`<delivery.${s1.id}@elsewhere.example>`)}`)).items).toEqual([]);
    expect((await page(`q=event:${p2}`)).items.map((d) => d.id)).toEqual([s1.id]);
    expect((await page(`q=${p2}`)).items.map((d) => d.id)).toEqual([s1.id]);
    expect((await page(`q=${p2}&status=failed`)).items).toEqual([]);
    expect((await page('q=event:999999')).items).toEqual([]);
    expect((await page('q=bob%40shop.example')).items.map((d) => d.recipient)).toEqual(['bob@shop.example', 'bob@shop.example']);
    expect((await page('q=bob%40shop.example&recipient=ann%40shop.example')).items).toEqual([]);
    // An outstanding event has no delivery yet.
    const waiting = await purchase(3, 2);
    expect((await page(`q=event:${waiting}`)).items).toEqual([]);
  });

  it('a delivery as sent: html, text, subject, header fields with Message-ID and List-Unsubscribe, events with payloads', async () => {
    const { p1, p2 } = await drain();
    const s1 = (await page('type=Purchase.Requested')).items[0]!;
    const res = await api(`/v1/deliveries/${s1.id}`);
    expect(res.status).toBe(200);
    const d = await res.json() as Record<string, unknown> & { headers: Record<string, string>; events: Array<{ id: number; payload: Record<string, unknown> }> };
    expect(d).toMatchObject({ id: s1.id, status: 'sent', subject: expect.any(String), text: expect.any(String), html: expect.stringContaining('<') });
    expect(d.headers).toMatchObject({
      'Message-ID': s1.messageId, To: 's1@supplier.example', Subject: d.subject, 'X-Digest-Event-Type': 'Purchase.Requested',
      'List-Unsubscribe': expect.stringMatching(/^<https:\/\/digest\.example\/u\/.+>$/), 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    });
    expect(d.headers.From).toBeDefined();
    expect(d.events.map((e) => e.id)).toEqual([p1, p2]);
    expect(d.events[0]!.payload).toMatchObject({ request_id: 'R1', item: 'item 1' });
  });

  it('a recipient\'s page: profile, deliveries newest first, outstanding events across types with a count', async () => {
    await drain();
    expect((await api('/v1/recipients/ann%40shop.example', { method: 'PUT', body: JSON.stringify({ timeZone: 'Europe/Berlin' }) })).status).toBe(200);
    // Outstanding for ann: an order (immediate, not run yet) and nothing else.
    const waiting = await order('ann@shop.example', 9);
    const res = await api('/v1/recipients/ann%40shop.example/activity?limit=2');
    expect(res.status).toBe(200);
    const view = await res.json() as {
      profile: { timeZone: string } | null; deliveries: Page; outstanding: { count: number; items: Array<{ id: number; type: string; payload: unknown }>; nextCursor: string | null };
    };
    expect(view.profile).toMatchObject({ timeZone: 'Europe/Berlin' });
    expect(view.deliveries.items).toHaveLength(2);
    expect(view.deliveries.items.every((d) => d.recipient === 'ann@shop.example')).toBe(true);
    const older = await (await api(`/v1/recipients/ann%40shop.example/activity?limit=2&cursor=${view.deliveries.nextCursor}`)).json() as typeof view;
    expect(older.deliveries.items).toHaveLength(1);
    expect(older.deliveries.nextCursor).toBeNull();
    expect(view.outstanding).toEqual({ count: 1, items: [{ id: waiting, type: 'Order.Created', occurredAt: expect.any(String), payload: { email_address: 'ann@shop.example', order_id: 9 } }], nextCursor: null });
    // No profile, nothing sent: an empty page, not a 404.
    const nobody = await (await api('/v1/recipients/nobody/activity')).json() as typeof view;
    expect(nobody).toMatchObject({ recipient: 'nobody', profile: null, deliveries: { items: [], nextCursor: null }, outstanding: { count: 0, items: [] } });
  });

  it('activity: the per-minute series counts this drain\'s sends and failures; each type has its backlog sampled', async () => {
    const before = await (await api('/v1/activity')).json() as { series: Array<{ sent: number; failed: number; dead: number }> };
    const sum = (s: typeof before.series, k: 'sent' | 'failed' | 'dead') => s.reduce((n, b) => n + b[k], 0);
    await drain();
    await purchase(7, 3); // left outstanding
    const res = await api('/v1/activity?window=1h');
    expect(res.status).toBe(200);
    const v = await res.json() as {
      window: string; bucketMs: number; now: string; since: string;
      series: Array<{ at: string; sent: number; failed: number; dead: number }>;
      types: Record<string, Array<{ at: string; outstanding: number | null; oldestAgeMs: number | null }>>;
    };
    expect(v).toMatchObject({ window: '1h', bucketMs: 60_000 });
    expect(v.series).toHaveLength(60);
    expect(sum(v.series, 'sent') - sum(before.series, 'sent')).toBe(4);
    expect(sum(v.series, 'failed') - sum(before.series, 'failed')).toBe(2);
    expect(Date.parse(v.series.at(-1)!.at)).toBeLessThanOrEqual(Date.parse(v.now));
    expect(Object.keys(v.types)).toEqual(['Order.Created', 'Purchase.Requested', 'Purchase.Responded']);
    expect(v.types['Purchase.Requested']).toHaveLength(60);
    // The last bucket has a sample (taken when asked, at most once a minute): a number, maybe from before the drain.
    expect(v.types['Purchase.Requested']!.at(-1)!.outstanding).toEqual(expect.any(Number));
    const day = await (await api('/v1/activity?window=24h')).json() as typeof v;
    expect(day).toMatchObject({ window: '24h', bucketMs: 900_000 });
    expect(day.series).toHaveLength(96);
    expect(sum(day.series, 'sent')).toBe(sum(v.series, 'sent'));
    expect((await api('/v1/activity?window=7d')).status).toBe(400);
  });

  it('a type\'s latest runs, newest first, with counts and durations; 404 for an unknown type', async () => {
    await drain();
    await run('Order.Created'); // nothing left to claim: no run row
    const res = await api('/v1/schedules/Order.Created/runs?limit=5');
    expect(res.status).toBe(200);
    const body = await res.json() as { type: string; items: Array<Record<string, unknown>> };
    expect(body.type).toBe('Order.Created');
    expect(body.items).toHaveLength(1);
    expect(body.items[0]).toMatchObject({
      // One delivery per order (immediate, per event); bob's two failed, so the run did too.
      trigger: 'manual', status: 'failed', slotAt: null, eventsClaimed: 5, deliveriesCreated: 5, deliveriesSent: 3, deliveriesFailed: 2,
      durationMs: expect.any(Number), finishedAt: expect.any(String), error: null,
    });
    expect((await api('/v1/schedules/Nope/runs')).status).toBe(404);
    // From the run to its deliveries, in group-key order (per-event type: `#<event id>`), paged.
    const runId = body.items[0]!.id as number;
    const first = await (await api(`/v1/runs/${runId}/deliveries?limit=3`)).json() as { run: { id: number }; items: Array<{ groupKey: string; runId: number }>; nextCursor: string | null };
    expect(first.run).toMatchObject({ id: runId, eventType: 'Order.Created' });
    expect(first.items).toHaveLength(3);
    expect(first.items.every((d) => d.runId === runId)).toBe(true);
    expect(first.nextCursor).toBe(first.items[2]!.groupKey);
    const rest = await (await api(`/v1/runs/${runId}/deliveries?limit=3&after=${encodeURIComponent(first.nextCursor!)}`)).json() as typeof first;
    expect(rest.items).toHaveLength(2);
    expect(rest.nextCursor).toBeNull();
    expect(new Set([...first.items, ...rest.items].map((d) => d.groupKey)).size).toBe(5);
    expect((await api('/v1/runs/999999/deliveries')).status).toBe(404);
    expect((await api('/v1/schedules/Order.Created/runs?limit=101')).status).toBe(400);
  });

  it('every one needs the token and is in /openapi.json', async () => {
    for (const p of ['/v1/activity', '/v1/deliveries?q=x', '/v1/recipients/ann/activity', '/v1/deliveries/1', '/v1/schedules/Order.Created/runs', '/v1/runs/1/deliveries']) {
      expect((await fetch(`${base}${p}`)).status, p).toBe(401);
      expect((await fetch(`${base}${p}`, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status, p).toBe(401);
    }
    const doc = await (await fetch(`${base}/openapi.json`)).json() as { paths: Record<string, Record<string, { parameters?: Array<{ name: string }> }>> };
    expect(doc.paths['/v1/activity']?.get).toBeDefined();
    expect(doc.paths['/v1/recipients/{key}/activity']?.get).toBeDefined();
    expect(doc.paths['/v1/schedules/{type}/runs']?.get).toBeDefined();
    expect(doc.paths['/v1/runs/{id}/deliveries']?.get).toBeDefined();
    expect(doc.paths['/v1/deliveries']!.get!.parameters!.map((p) => p.name)).toEqual(expect.arrayContaining(['type', 'status', 'recipient', 'from', 'to', 'q', 'cursor']));
  });
});
