/** GET /v1/activity: the dashboard's live charts (http/activity.ts keeps the data). */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ACTIVITY_WINDOWS, type Activity, type ActivityWindow } from '../activity.js';
import { errorBody, iso, isoTime, jsonSchema } from '../schema.js';

const activityView = jsonSchema(z.object({
  window: z.enum(ACTIVITY_WINDOWS),
  bucketMs: z.int().meta({ description: '60000 for 1h (60 buckets), 900000 for 24h (96 buckets)' }),
  now: isoTime,
  since: isoTime.meta({ description: 'When this process started counting: earlier buckets are empty for want of history' }),
  series: z.array(z.object({ at: isoTime, sent: z.int(), failed: z.int(), dead: z.int() })).meta({
    description: 'Oldest first; `at` is the bucket start; the last bucket is still filling. Counts of THIS process\'s deliveries (per replica, in memory)',
  }),
  types: z.record(z.string(), z.array(z.object({
    at: isoTime,
    outstanding: z.int().nullable(),
    oldestAgeMs: z.number().nullable().meta({ description: 'Age of the longest-waiting due event (0: none due)' }),
  }))).meta({ description: 'Per configured type, the same buckets: the last backlog sample in each (null: none taken)' }),
}));

export function activityRoutes(server: FastifyInstance, activity: Activity): void {
  server.get<{ Querystring: { window: ActivityWindow } }>('/v1/activity', {
    schema: {
      tags: ['operations'],
      summary: 'Deliveries sent / failed / dead per bucket and each type\'s backlog over the last hour or day (the dashboard\'s charts)',
      description: 'Kept in memory by the serving process, fed by its lifecycle events and a once-a-minute backlog sample: a restarted process starts with empty history, and each replica counts its own sends.',
      querystring: jsonSchema(z.object({ window: z.enum(ACTIVITY_WINDOWS).default('1h') }), 'input'),
      response: { 200: activityView, 400: errorBody },
    },
  }, async (request) => {
    const v = await activity.view(request.query.window);
    return {
      window: v.window, bucketMs: v.bucketMs, now: iso(v.now), since: iso(v.since),
      series: v.series.map((s) => ({ ...s, at: iso(s.at) })),
      types: Object.fromEntries(Object.entries(v.types).map(([t, list]) => [t, list.map((s) => ({ ...s, at: iso(s.at) }))])),
    };
  });
}
