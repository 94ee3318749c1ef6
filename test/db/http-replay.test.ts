/**
 * POST /v1/deliveries/:id/replay on both engines: needs the token; a sent
 * delivery is sent again as stored (same address, content, Message-ID) and
 * stays sent; 404 for an unknown id; 409 with the `reason` where `digest
 * replay` refuses: not sent (dead), suppressed since, a pull transport's;
 * 502 when the transport fails the send; /openapi.json lists it.
 */
import { expect, it } from 'vitest';
import { runType } from '../../src/runner/run.js';
import { pullTransport } from '../../src/transports/pull.js';
import { apiHarness } from '../support/api-harness.js';
import { describeEngines } from '../support/engines.js';
import { pullConfig } from '../support/pull-config.js';

const TOKEN = 'tok-replay-0123456789abcdef';

describeEngines('replaying a delivery over HTTP', (engine) => {
  // Order.Created goes to a pull transport (`consumers`), Purchase.Requested to one that sends (memory).
  const h = apiHarness(engine, TOKEN, () => ({ config: pullConfig(1), transports: { consumers: pullTransport('consumers') } }));
  const call = async (method: string, p: string, body?: unknown, token: string | null = TOKEN) => {
    const res = await fetch(`${h.base}${p}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() as any };
  };
  const replay = (id: number, token?: string | null) => call('POST', `/v1/deliveries/${id}/replay`, undefined, token);

  /** One Purchase.Requested delivery to supplier `S<n>`, run through; its id. */
  async function purchase(n: number): Promise<number> {
    await h.t.recorder.record('Purchase.Requested', {
      request_id: `R${n}`, supplier_id: `S${n}`, supplier_email: `s${n}@supplier.example`, customer_email: `c${n}@shop.example`, item: 'bolts', quantity: 1,
    });
    await runType(h.t.ctx, { type: 'Purchase.Requested', trigger: 'immediate' });
    const { body } = await call('GET', `/v1/deliveries?recipient=S${n}`);
    return body.items[0].id as number;
  }

  it('re-sends a sent delivery as stored: same address, text and Message-ID; it stays sent', async () => {
    const id = await purchase(1);
    expect(h.t.transport.sent).toHaveLength(1);
    expect((await replay(id, null)).status).toBe(401);
    expect(h.t.transport.sent).toHaveLength(1);

    const res = await replay(id);
    expect(res).toEqual({ status: 200, body: { id, replayed: true } });
    expect(h.t.transport.sent).toHaveLength(2);
    const [first, again] = h.t.transport.sent;
    expect(again).toMatchObject({ deliveryId: id, to: first!.to, text: first!.text, messageId: first!.messageId });
    expect((await call('GET', `/v1/deliveries/${id}`)).body).toMatchObject({ status: 'sent', attempts: 1 });

    // The transport fails this send: 502 with its reply; the delivery is still sent.
    h.t.transport.failFor.add('S1');
    const failed = await replay(id);
    expect(failed.status).toBe(502);
    expect(failed.body).toMatchObject({ error: 'send_failed', message: `delivery ${id} was not replayed: rejected S1` });
    expect((await call('GET', `/v1/deliveries/${id}`)).body.status).toBe('sent');
  });

  it('404 for an unknown delivery; 409 with the reason for a dead one, a suppressed address and a pull transport\'s', async () => {
    expect((await replay(999_999)).status).toBe(404);
    expect((await call('POST', '/v1/deliveries/abc/replay')).status).toBe(400);

    h.t.transport.failFor.add('S2');
    const dead = await purchase(2);
    expect((await call('GET', `/v1/deliveries/${dead}`)).body.status).toBe('dead');
    const notSent = await replay(dead);
    expect(notSent.status).toBe(409);
    expect(notSent.body).toMatchObject({ error: 'conflict', reason: 'not_sent' });
    expect(notSent.body.message).toMatch(/is dead, not sent: use `digest retry/);

    const sent = await purchase(3);
    expect((await call('POST', '/v1/suppressions', { address: 's3@supplier.example' })).status).toBe(200);
    const suppressed = await replay(sent);
    expect(suppressed.status).toBe(409);
    expect(suppressed.body).toMatchObject({ reason: 'suppressed' });

    // A pull transport's delivery, leased and acked (sent): its consumers send it, not a replay.
    await h.t.recorder.record('Order.Created', { email_address: 'c9@shop.example', order_id: 9 });
    await runType(h.t.ctx, { type: 'Order.Created', trigger: 'immediate' });
    const lease = await call('POST', '/v1/pull/consumers/lease?max=1');
    const [pulled] = lease.body.deliveries;
    expect((await call('POST', `/v1/pull/deliveries/${pulled.id}/ack`, { leaseToken: lease.body.leaseToken })).status).toBe(200);
    const pull = await replay(pulled.id);
    expect(pull.status).toBe(409);
    expect(pull.body).toMatchObject({ reason: 'pull_transport' });
    expect(pull.body.message).toMatch(/consumers is a pull transport/);
    // Only the one first send went out (delivery 3's); none of the refused ones.
    expect(h.t.transport.sent.map((m) => m.recipient)).toEqual(['S3']);
  });

  it('/openapi.json lists it with its answers', async () => {
    const doc = (await call('GET', '/openapi.json', undefined, null)).body as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
    expect(Object.keys(doc.paths['/v1/deliveries/{id}/replay']!)).toEqual(['post']);
    expect(Object.keys(doc.paths['/v1/deliveries/{id}/replay']!.post!.responses).sort()).toEqual(['200', '400', '404', '409', '502']);
  });
});
