/**
 * /healthz: the process answers (liveness; never touches the database, so a
 * database outage does not get the container restarted in a loop).
 * /readyz: the database answers, is fully migrated and has its tables (readiness).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { App } from '../../app.js';
import { selectMissingTables } from '../../store/schema-check.js';
import { jsonSchema } from '../schema.js';

/** A probe must answer within its own timeout even when the database hangs. */
const READY_TIMEOUT_MS = 2_000;

const healthView = jsonSchema(z.object({ ok: z.boolean(), reason: z.string().optional() }));
const probe = { tags: ['operations'], security: [] as Array<Record<string, string[]>> };

/**
 * The reason is for anyone who can reach the port (this route has no
 * token): it says what is wrong in our words, never the driver's error text
 * (host names, users, SQL); that goes to the log.
 */
async function readiness(app: App): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
  });
  try {
    const pending = await Promise.race([app.ctx.db.pendingMigrations(), timeout]);
    if (pending > 0) return `database is not migrated: ${pending} migration(s) pending (run \`digest migrate\`)`;
    // Migrated once is not enough: a dropped table makes every API call fail.
    const missing = await Promise.race([selectMissingTables(app.ctx.db), timeout]);
    return missing.length ? `database tables missing: ${missing.join(', ')}` : null;
  } catch (err) {
    app.ctx.logger.warn({ evt: 'readyz.unready', err: err instanceof Error ? err.message : String(err) });
    return 'database unreachable';
  } finally {
    clearTimeout(timer);
  }
}

export function healthRoutes(server: FastifyInstance, app: App): void {
  server.get('/healthz', { schema: { ...probe, summary: 'Liveness: always 200 while the process serves', response: { 200: healthView } } },
    async () => ({ ok: true }));

  server.get('/readyz', {
    schema: { ...probe, summary: 'Readiness: 200 when the database answers and is migrated, else 503 with the reason', response: { 200: healthView, 503: healthView } },
  }, async (_request, reply) => {
    const reason = await readiness(app);
    return reason == null ? { ok: true } : reply.code(503).send({ ok: false, reason });
  });
}
