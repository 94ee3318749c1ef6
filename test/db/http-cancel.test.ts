/**
 * Cancelling over HTTP on both engines: DELETE /v1/events/:id and
 * DELETE /v1/events?type=&idempotencyKey= need the token; 200 with state
 * `cancelled` (again: 200, `already: true`); 409 naming the state once a run
 * has it; 404 for unknown ids and keys; 400 naming a missing query field.
 * GET /v1/events/:id, /v1/schedules and /metrics show it as cancelled; the
 * run sends nothing for it; /openapi.json lists both routes.
 */
import { expect, it } from 'vitest';
import { runType } from '../../src/runner/run.js';
import { apiHarness } from '../support/api-harness.js';
import { describeEngines } from '../support/engines.js';

const TOKEN = 'tok-cancel-0123456789abcdef';

describeEngines('cancelling events over HTTP', (engine) => {
  const h = apiHarness(engine, TOKEN);
  const api = (p: string, init: RequestInit = {}, token: string | null = TOKEN) => fetch(`${h.base}${p}`, {
    ...init,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...init.headers },
  });
  const del = (p: string, token?: string | null) => api(p, { method: 'DELETE' }, token);

  const receipt = (n: number, key?: string) =>
    h.t.recorder.record('Order.Created', { email_address: `c${n}@shop.example`, order_id: n }, key ? { idempotencyKey: key } : {});

  it('both routes need the token: 401 without it, and nothing is cancelled', async () => {
    const id = await receipt(1, 'k-1');
    expect((await del(`/v1/events/${id}`, null)).status).toBe(401);
    expect((await del(`/v1/events/${id}`, 'wrong-token')).status).toBe(401);
    expect((await del('/v1/events?type=Order.Created&idempotencyKey=k-1', null)).status).toBe(401);
    expect(await (await api(`/v1/events/${id}`)).json()).toMatchObject({ state: 'outstanding' });
    const doc = await (await api('/openapi.json', {}, null)).json() as { paths: Record<string, Record<string, { responses?: Record<string, unknown> }>> };
    expect(Object.keys(doc.paths['/v1/events/{id}']!).sort()).toEqual(['delete', 'get']);
    expect(Object.keys(doc.paths['/v1/events']!).sort()).toEqual(['delete', 'post']);
    expect(Object.keys(doc.paths['/v1/events/{id}']!.delete!.responses!).sort()).toEqual(['200', '400', '404', '409']);
  });

  it('DELETE by id: 200 cancelled, never sent, shown as cancelled; again 200 already; a sent one 409 with its state; unknown 404', async () => {
    const kept = await receipt(1);
    const gone = await receipt(2);
    const res = await del(`/v1/events/${gone}`);
    expect(res.status).toBe(200);
    const body = await res.json() as { deliveryId: number };
    expect(body).toEqual({ id: gone, type: 'Order.Created', state: 'cancelled', deliveryId: expect.any(Number), already: false });

    expect(await runType(h.t.ctx, { type: 'Order.Created', trigger: 'manual' })).toMatchObject({ eventsClaimed: 1, deliveriesSent: 1 });
    expect(h.t.transport.sent.map((m) => m.to)).toEqual(['c1@shop.example']);
    expect(await (await api(`/v1/events/${gone}`)).json()).toMatchObject({ state: 'cancelled', deliveryId: body.deliveryId, sentAt: null });
    expect(await (await api(`/v1/deliveries/${body.deliveryId}`)).json()).toMatchObject({ status: 'cancelled', attempts: 0 });

    const again = await del(`/v1/events/${gone}`);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ id: gone, type: 'Order.Created', state: 'cancelled', deliveryId: body.deliveryId, already: true });

    const late = await del(`/v1/events/${kept}`);
    expect(late.status).toBe(409);
    expect(await late.json()).toMatchObject({ error: 'not_cancellable', id: kept, state: 'sent', deliveryId: expect.any(Number) });

    const unknown = await del('/v1/events/999999');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: 'not_found', message: 'no event 999999' });
    expect((await del('/v1/events/abc')).status).toBe(400);

    // Counted: once per cancel that changed something, and by status from the database.
    const schedules = await (await api('/v1/schedules')).json() as { types: Array<{ type: string; deliveries: Record<string, number> }> };
    expect(schedules.types.find((x) => x.type === 'Order.Created')!.deliveries).toMatchObject({ sent: 1, cancelled: 1 });
    const metrics = await (await api('/metrics')).text();
    expect(metrics).toContain('digest_events_cancelled_total{type="Order.Created"} 1');
    expect(metrics).toContain('digest_deliveries{type="Order.Created",status="cancelled"} 1');
  });

  it('DELETE by type and idempotency key: 200; an unknown key 404; a missing field 400 naming it', async () => {
    const id = await receipt(3, 'order-3');
    const res = await del('/v1/events?type=Order.Created&idempotencyKey=order-3');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id, state: 'cancelled', already: false });
    expect(await (await api(`/v1/events/${id}`)).json()).toMatchObject({ state: 'cancelled' });

    const unknown = await del('/v1/events?type=Order.Created&idempotencyKey=order-404');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: 'not_found', message: 'no event of type "Order.Created" with idempotency key "order-404"' });

    const missing = await del('/v1/events?type=Order.Created');
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ error: 'bad_request', issues: [expect.objectContaining({ message: expect.stringContaining('idempotencyKey') })] });
    expect(h.t.transport.sent).toEqual([]);
    expect(await runType(h.t.ctx, { type: 'Order.Created', trigger: 'manual' })).toMatchObject({ eventsClaimed: 0 });
  });
});
