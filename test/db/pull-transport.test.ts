/**
 * A `kind: pull` transport over HTTP, on both engines: the scheduler stores
 * its deliveries rendered and `ready` (never sends them); a consumer leases
 * them with a token, acks (sent, events stamped) or nacks (retry, then dead);
 * a lease not acked within its visibility is leased again; a wrong or stale
 * token is a 409; bad parameters are a 400 naming the field; the token of the
 * API is required. Time moves by the injected database clock, not by sleeping.
 */
import { expect, it } from 'vitest';
import { recoverDeliveries } from '../../src/runner/recover.js';
import { runType } from '../../src/runner/run.js';
import { messageIdFor } from '../../src/runner/message-id.js';
import { replayDelivery } from '../../src/runner/replay.js';
import { pullTransport } from '../../src/transports/pull.js';
import { DatabaseClock } from '../support/database-clock.js';
import { apiHarness } from '../support/api-harness.js';
import { describeEngines } from '../support/engines.js';
import { pullConfig } from '../support/pull-config.js';

const TOKEN = 'pull-test-token-0123456789';

interface Leased {
  leaseToken: string;
  deliveries: Array<{
    id: number; leaseToken: string; leaseUntil: string; eventType: string; recipient: string; attempt: number; to: string;
    subject: string | null; text: string | null; html: string | null; messageId: string; headers: Record<string, string>;
    events: Array<{ id: number; type: string }>;
  }>;
}

describeEngines('pull transport', (engine) => {
  const clock = new DatabaseClock();
  // The pull transport as the app builds it (testApp would put a memory transport in its place).
  const h = apiHarness(engine, TOKEN, () => ({ config: pullConfig(2), retryBaseMs: 1_000, databaseNow: clock.now, transports: { consumers: pullTransport('consumers') } }));
  const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }) =>
    fetch(`${h.base}${path}`, { method, headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });
  const lease = async (query = 'max=10&visibility=30s', transport = 'consumers') => {
    const res = await call('POST', `/v1/pull/${transport}/lease?${query}`);
    expect(res.status).toBe(200);
    return await res.json() as Leased;
  };
  const ack = (id: number, leaseToken: string) => call('POST', `/v1/pull/deliveries/${id}/ack`, { leaseToken });
  const nack = (id: number, leaseToken: string, reason = 'smtp 451 try later', permanent?: boolean) =>
    call('POST', `/v1/pull/deliveries/${id}/nack`, { leaseToken, reason, ...(permanent === undefined ? {} : { permanent }) });
  const statuses = async () => (await engine.db.all<{ id: number; status: string; attempts: number; error: string | null }>(
    'SELECT id, status, attempts, error FROM digest_deliveries ORDER BY id')).map((r) => ({ ...r, id: Number(r.id), attempts: Number(r.attempts) }));
  const unstamped = async () => Number((await engine.db.all<{ n: number }>('SELECT COUNT(*) AS n FROM digest_events WHERE processed_at IS NULL'))[0]!.n);
  const orders = async (n: number) => {
    await h.t.recorder.recordMany(Array.from({ length: n }, (_, i) => ({ type: 'Order.Created', payload: { email_address: `c${i}@shop.example`, order_id: i + 1 } })));
    return runType(h.t.ctx, { type: 'Order.Created', trigger: 'manual' });
  };

  it('the scheduler stores them ready instead of sending; a lease returns the rendered message, an ack marks it sent and stamps its events', async () => {
    const summary = await orders(3);
    expect(summary).toMatchObject({ eventsClaimed: 3, deliveriesCreated: 3, deliveriesSent: 0, deliveriesFailed: 0 });
    expect(h.t.transport.sent).toEqual([]);
    expect((await statuses()).map((r) => r.status)).toEqual(['ready', 'ready', 'ready']);
    // Ready ones are not the recovery loop's: it leaves them to the consumers.
    clock.advance(3_600_000);
    expect(await recoverDeliveries(h.t.ctx)).toEqual([]);

    const got = await lease('max=2&visibility=30s');
    expect(got.deliveries).toHaveLength(2);
    const [first] = got.deliveries;
    const [row] = await statuses();
    expect(first).toMatchObject({
      id: row!.id, leaseToken: got.leaseToken, eventType: 'Order.Created', recipient: 'c0@shop.example', to: 'c0@shop.example', attempt: 1,
      text: 'Sending receipt to c0@shop.example for order #1...', messageId: messageIdFor(row!.id, h.t.ctx.messageIdDomain),
    });
    expect(first!.headers['Message-ID']).toBe(first!.messageId);
    expect(first!.events).toHaveLength(1);
    expect(first!.events[0]!.type).toBe('Order.Created');
    expect(new Date(first!.leaseUntil).getTime()).toBeGreaterThan(Date.now() + 3_600_000);
    expect((await statuses()).map((r) => r.status)).toEqual(['leased', 'leased', 'ready']);

    // Metrics and the schedules read model count them by state.
    const metrics = await (await call('GET', '/metrics')).text();
    expect(metrics).toContain('digest_deliveries{type="Order.Created",status="leased"} 2');
    expect(metrics).toContain('digest_deliveries{type="Order.Created",status="ready"} 1');
    const schedules = await (await call('GET', '/v1/schedules')).json() as { types: Array<{ type: string; deliveries: Record<string, number> }> };
    expect(schedules.types.find((x) => x.type === 'Order.Created')!.deliveries).toMatchObject({ leased: 2, ready: 1, sent: 0 });

    const acked = await ack(first!.id, got.leaseToken);
    expect(acked.status).toBe(200);
    expect(await acked.json()).toEqual({ id: first!.id, status: 'sent' });
    expect((await statuses()).map((r) => r.status)).toEqual(['sent', 'leased', 'ready']);
    expect(await unstamped()).toBe(2);
    const [sentRow] = await engine.db.all<{ messageId: string }>('SELECT message_id AS messageId FROM digest_deliveries WHERE id = ?', [first!.id]);
    expect(sentRow!.messageId).toBe(first!.messageId);
    // Twice: it is not held any more.
    expect((await ack(first!.id, got.leaseToken)).status).toBe(409);
    // The transport itself sends nothing: a replay is refused with the way to go.
    await expect(replayDelivery(h.t.ctx, first!.id)).rejects.toThrow(/consumers is a pull transport/);
  });

  it('no two leases hold one delivery; a lease not acked in its visibility is leased again, and the stale token gets 409', async () => {
    await orders(4);
    const a = await lease('max=3&visibility=1s');
    const b = await lease('max=3&visibility=1s');
    expect(a.deliveries.map((d) => d.id)).toHaveLength(3);
    expect(b.deliveries).toHaveLength(1);
    expect(new Set([...a.deliveries, ...b.deliveries].map((d) => d.id)).size).toBe(4);
    expect((await lease('max=10&visibility=1s')).deliveries).toEqual([]);

    // a's lease runs out; b acks its one in time.
    clock.advance(1_500);
    expect((await ack(b.deliveries[0]!.id, b.leaseToken)).status).toBe(200);
    const c = await lease('max=2&visibility=30s');
    expect(c.deliveries.map((d) => d.id)).toEqual(a.deliveries.slice(0, 2).map((d) => d.id));
    // Re-leased: same Message-ID, same attempt (a lease that ran out is not a failed send).
    expect(c.deliveries.map((d) => d.messageId)).toEqual(a.deliveries.slice(0, 2).map((d) => d.messageId));
    expect(c.deliveries.map((d) => d.attempt)).toEqual([1, 1]);

    const stale = await ack(a.deliveries[0]!.id, a.leaseToken);
    expect(stale.status).toBe(409);
    expect(await stale.json()).toMatchObject({ error: 'conflict', status: 'leased' });
    expect((await nack(a.deliveries[1]!.id, a.leaseToken)).status).toBe(409);
    expect((await ack(a.deliveries[0]!.id, 'not-a-token')).status).toBe(409);
    // a's third one ran out too, but nobody leased it since: a's late ack is accepted.
    expect((await ack(a.deliveries[2]!.id, a.leaseToken)).status).toBe(200);
    for (const d of c.deliveries) expect((await ack(d.id, c.leaseToken)).status).toBe(200);
    expect((await statuses()).map((r) => r.status)).toEqual(['sent', 'sent', 'sent', 'sent']);
    expect(await unstamped()).toBe(0);
    expect((await ack(999_999, c.leaseToken)).status).toBe(404);
  });

  it('a nack is a failed attempt: back to the consumers after the backoff, dead after maxAttempts; permanent is dead at once', async () => {
    await orders(2);
    const first = await lease('max=2');
    const [d, p] = first.deliveries;
    const res = await nack(d!.id, first.leaseToken, 'smtp 451 mailbox busy');
    expect(res.status).toBe(200);
    const body = await res.json() as { status: string; retryInMs: number };
    expect(body.status).toBe('failed');
    expect(body.retryInMs).toBeGreaterThanOrEqual(500);
    expect(await (await nack(p!.id, first.leaseToken, 'smtp 550 no such user', true)).json()).toEqual({ id: p!.id, status: 'dead' });
    expect(await statuses()).toMatchObject([
      { status: 'failed', attempts: 1, error: 'consumer: smtp 451 mailbox busy' },
      { status: 'dead', attempts: 1, error: 'consumer: smtp 550 no such user' },
    ]);
    // Not before its backoff.
    expect((await lease()).deliveries).toEqual([]);
    clock.advance(1_100);
    const outcomes = await recoverDeliveries(h.t.ctx);
    expect(outcomes).toEqual(['ready']);
    expect(h.t.transport.sent).toEqual([]);
    const second = await lease();
    expect(second.deliveries.map((x) => [x.id, x.attempt, x.messageId])).toEqual([[d!.id, 2, d!.messageId]]);
    expect(second.deliveries[0]!.text).toBe(d!.text);
    expect(await (await nack(d!.id, second.leaseToken, 'smtp 451 again')).json()).toEqual({ id: d!.id, status: 'dead' });
    expect(await statuses()).toMatchObject([{ status: 'dead', attempts: 2, error: 'consumer: smtp 451 again' }, { status: 'dead' }]);
    // Dead keeps its events linked and unstamped (retryable by hand).
    expect(await unstamped()).toBe(2);
    clock.advance(3_600_000);
    expect(await recoverDeliveries(h.t.ctx)).toEqual([]);
    // Retried by hand (digest retry, the dashboard's button): handed to the consumers again, with a fresh set of attempts.
    expect((await call('POST', `/v1/deliveries/${d!.id}/retry`)).status).toBe(200);
    expect(await recoverDeliveries(h.t.ctx)).toEqual(['ready']);
    const third = await lease();
    expect(third.deliveries.map((x) => [x.id, x.attempt])).toEqual([[d!.id, 1]]);
    expect((await ack(d!.id, third.leaseToken)).status).toBe(200);
    expect(await unstamped()).toBe(1);
  });

  it('bad parameters are a 400 naming the field; unknown or non-pull transports 404; the API token is required', async () => {
    const bad = async (query: string, field: string) => {
      const res = await call('POST', `/v1/pull/consumers/lease?${query}`);
      expect(res.status, query).toBe(400);
      const body = await res.json() as { issues: Array<{ path: string }> };
      expect(body.issues.map((i) => i.path), query).toContain(field);
    };
    await bad('visibility=0s', 'querystring.visibility');
    await bad('visibility=999ms', 'querystring.visibility');
    await bad('visibility=13h', 'querystring.visibility');
    await bad('visibility=soon', 'querystring.visibility');
    await bad('max=0', 'querystring.max');
    await bad('max=1001', 'querystring.max');
    await bad('max=ten', 'querystring.max');
    expect((await call('POST', '/v1/pull/nope/lease')).status).toBe(404);
    expect((await call('POST', '/v1/pull/console/lease')).status).toBe(404);
    const noToken = await call('POST', '/v1/pull/deliveries/1/ack', {}, {});
    expect((await call('POST', '/v1/pull/deliveries/1/ack', {})).status).toBe(400);
    expect((await call('POST', '/v1/pull/deliveries/1/nack', { leaseToken: 'x' })).status).toBe(400);
    expect((await call('POST', '/v1/pull/deliveries/abc/ack', { leaseToken: 'x' })).status).toBe(400);
    expect(noToken.status).toBe(401);
    expect((await call('POST', '/v1/pull/consumers/lease', undefined, {})).status).toBe(401);
    expect((await call('POST', '/v1/pull/consumers/lease', undefined, { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await lease('max=1000&visibility=12h')).deliveries).toEqual([]);
  });

  it('/openapi.json lists the pull endpoints', async () => {
    const doc = await (await call('GET', '/openapi.json')).json() as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths['/v1/pull/{transport}/lease']!)).toEqual(['post']);
    expect(doc.paths['/v1/pull/deliveries/{id}/ack']!.post).toBeDefined();
    expect(doc.paths['/v1/pull/deliveries/{id}/nack']!.post).toBeDefined();
  });
});
