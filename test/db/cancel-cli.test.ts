/** `digest cancel` against both engines: by id or --type/--key, --json, `already` on repeat; exit 1 with one line naming the state or the missing event. */
import { beforeEach, expect, it } from 'vitest';
import { runType } from '../../src/runner/run.js';
import { testApp } from '../support/app.js';
import { runCli } from '../support/cli.js';
import { describeEngines, truncateAll } from '../support/engines.js';

describeEngines('digest cancel', (engine) => {
  beforeEach(() => truncateAll(engine.db));
  const cli = (...args: string[]) => runCli(['cancel', ...args], { DATABASE_URL: engine.url });

  it('cancels by id and by --type/--key, says so again on repeat, and refuses a sent or unknown event with exit 1', async () => {
    const { app, ctx, recorder, transport } = await testApp(engine);
    try {
      const byId = await recorder.record('Order.Created', { email_address: 'ann@shop.example', order_id: 1 });
      const byKey = await recorder.record('Order.Created', { email_address: 'bob@shop.example', order_id: 2 }, { idempotencyKey: 'order-2' });

      expect(await cli(String(byId))).toEqual({ code: 0, stderr: '', stdout: `cancelled event ${byId} (Order.Created); it will not be delivered\n` });
      expect(await cli(String(byId))).toMatchObject({ code: 0, stdout: `event ${byId} was already cancelled\n` });
      const json = await cli('--type', 'Order.Created', '--key', 'order-2', '--json');
      expect(json.code).toBe(0);
      expect(JSON.parse(json.stdout)).toEqual({ eventId: byKey, type: 'Order.Created', state: 'cancelled', deliveryId: expect.any(Number), already: false });

      const sent = await recorder.record('Order.Created', { email_address: 'cy@shop.example', order_id: 3 });
      await runType(ctx, { type: 'Order.Created', trigger: 'manual' });
      expect(transport.sent.map((m) => m.to)).toEqual(['cy@shop.example']);
      const refused = await cli(String(sent));
      expect(refused.code).toBe(1);
      expect(refused.stdout).toBe('');
      expect(refused.stderr).toMatch(new RegExp(`^digest: event ${sent} is sent \\(delivery \\d+\\): only an outstanding event can be cancelled\\n$`));

      expect(await cli('999999')).toMatchObject({ code: 1, stderr: 'digest: no event 999999\n' });
      expect(await cli('--type', 'Order.Created', '--key', 'nope')).toMatchObject({ code: 1, stderr: 'digest: no event of type "Order.Created" with idempotency key "nope"\n' });
      expect(await cli()).toMatchObject({ code: 1, stderr: 'digest: give an event id, or --type and --key\n' });
      expect(await cli('--type', 'Order.Created')).toMatchObject({ code: 1, stderr: 'digest: --type and --key go together\n' });
      expect(await cli('x1')).toMatchObject({ code: 1, stderr: 'digest: event id must be a positive integer, got "x1"\n' });
    } finally {
      await app.close();
    }
  });
});
