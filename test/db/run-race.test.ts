import { beforeEach, expect, it } from 'vitest';
import { runType } from '../../src/runner/run.js';
import { testApp } from '../support/app.js';
import { describeEngines, truncateAll } from '../support/engines.js';

const TYPE = 'Purchase.Requested';
const request = (i: number, supplier: number) => ({
  request_id: i + 1, supplier_id: supplier, supplier_email: `s${supplier}@supplier.example`,
  customer_email: `c${i}@shop.example`, item: 'nuts', quantity: 2,
});

describeEngines('run now racing a tick of the same type', (engine) => {
  beforeEach(() => truncateAll(engine.db));

  it('never splits a recipient\'s outstanding events between two digests', async () => {
    const a = await testApp(engine);
    const b = await testApp(engine);
    for (let round = 0; round < 5; round++) {
      await truncateAll(engine.db);
      // 40 suppliers with 25 requests each, recorded interleaved (ids of one supplier are far apart).
      await a.recorder.recordMany(Array.from({ length: 1000 }, (_, i) => ({ type: TYPE, payload: request(i, (i % 40) + 1) })));
      await Promise.all([
        runType(a.ctx, { type: TYPE, trigger: 'tick', slotAt: new Date(Date.UTC(2026, 10, 21, round)) }),
        runType(b.ctx, { type: TYPE, trigger: 'manual' }),
      ]);
      const perRecipient = await engine.db.all<{ recipient: string; deliveries: number; events: number }>(
        `SELECT d.recipient, COUNT(DISTINCT d.id) AS deliveries, COUNT(e.id) AS events
           FROM digest_deliveries d JOIN digest_events e ON e.delivery_id = d.id GROUP BY d.recipient`);
      expect(perRecipient).toHaveLength(40);
      const split = perRecipient.filter((r) => Number(r.deliveries) !== 1 || Number(r.events) !== 25);
      expect(split, `round ${round}: recipients split across digests`).toEqual([]);
    }
  });
});
