/** /readyz checks the schema the API needs, and tells unauthenticated callers no driver error text. */
import { expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { createMetrics } from '../../src/http/metrics.js';
import { createHttpServer, listen } from '../../src/http/server.js';
import type { Db } from '../../src/store/db.js';
import { openDb } from '../../src/store/open.js';
import { testApp } from '../support/app.js';
import { describeEngines } from '../support/engines.js';

const TOKEN = 'test-token-0123456789';
async function serve(app: App) {
  const server = await createHttpServer(app, { token: TOKEN, metrics: createMetrics(app.ctx) });
  return { server, url: (await listen(server, { port: 0, token: TOKEN })).url };
}

describeEngines('/readyz', (engine) => {
  it('is 503 naming the table once digest_events is dropped, while the migrations table still says migrated', async () => {
    const empty = await engine.createEmpty();
    const db = openDb(empty.url);
    await db.migrate();
    const { app } = await testApp({ ...engine, db });
    const s = await serve(app);
    try {
      expect((await fetch(`${s.url}/readyz`)).status).toBe(200);
      await db.run('DROP TABLE digest_events');
      const res = await fetch(`${s.url}/readyz`);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ ok: false, reason: 'database tables missing: digest_events' });
    } finally {
      await s.server.close();
      await db.close();
      await empty.drop();
    }
  });

  it('a database error is "database unreachable", without the driver\'s text', async () => {
    const failing: Db = {
      ...engine.db,
      pendingMigrations: async () => { throw new Error("Access denied for user 'digest'@'10.0.0.5' (using password: YES)"); },
    };
    const { app } = await testApp({ ...engine, db: failing });
    const s = await serve(app);
    try {
      const res = await fetch(`${s.url}/readyz`);
      expect(res.status).toBe(503);
      const text = await res.text();
      expect(JSON.parse(text)).toEqual({ ok: false, reason: 'database unreachable' });
      expect(text).not.toMatch(/Access denied|10\.0\.0\.5/);
    } finally {
      await s.server.close();
    }
  });
});
