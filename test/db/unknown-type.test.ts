import { beforeEach, expect, it } from 'vitest';
import { formatStatus } from '../../src/cli/status.js';
import { scheduleStatus } from '../../src/scheduler/status.js';
import { createMetrics } from '../../src/http/metrics.js';
import { createHttpServer } from '../../src/http/server.js';
import { testApp } from '../support/app.js';
import { describeEngines, truncateAll } from '../support/engines.js';
import { seedEvent } from '../support/factory.js';

describeEngines('outstanding events of a type that is not configured', (engine) => {
  beforeEach(() => truncateAll(engine.db));

  it('are counted as "unknown type" by digest status, GET /v1/schedules and /metrics', async () => {
    const t = await testApp(engine);
    // A direct-SQL producer with a typo in the type.
    for (const recipient of ['ann@shop.example', 'bob@shop.example']) await seedEvent(engine.db, { type: 'Order.Craeted', recipient, payload: {} });
    await t.recorder.record('Order.Created', { email_address: 'cy@shop.example', order_id: 1 });

    const s = await scheduleStatus(t.app.ctx);
    expect(s.unknownTypes).toEqual([{ type: 'Order.Craeted', outstanding: 2, oldestAgeSeconds: expect.any(Number) }]);
    expect(s.types.find((x) => x.type === 'Order.Created')?.outstanding).toBe(1);
    expect(formatStatus(s)).toMatch(/Order\.Craeted\s+unknown type\s+2/);

    const metrics = createMetrics(t.ctx);
    const server = await createHttpServer(t.app, { token: 'tok', metrics });
    try {
      const res = await server.inject({ url: '/v1/schedules', headers: { authorization: 'Bearer tok' } });
      expect(res.statusCode).toBe(200);
      expect(res.json().unknownTypes).toEqual([{ type: 'Order.Craeted', outstanding: 2, oldestAgeSeconds: expect.any(Number) }]);
      const text = await metrics.registry.metrics();
      expect(text).toMatch(/^digest_unknown_type_outstanding_events 2$/m);
      expect(text).toMatch(/^digest_outstanding_events\{type="Order.Created"\} 1$/m);
    } finally {
      await server.close();
    }
  });
});
