/** GET /v1/schedules/:type/runs: a type's latest runs with their counts and durations (the dashboard's schedules page). */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { App } from '../../app.js';
import { selectLatestRunsOfType } from '../../store/read-pages.js';
import { RUN_TRIGGERS } from '../../types.js';
import { HttpError } from '../errors.js';
import { errorBody, iso, isoTime, jsonSchema } from '../schema.js';

const runsView = jsonSchema(z.object({
  type: z.string(),
  items: z.array(z.object({
    id: z.int(),
    trigger: z.enum(RUN_TRIGGERS),
    status: z.string().meta({ description: 'running, succeeded, failed, stopped, abandoned' }),
    slotAt: isoTime.nullable().meta({ description: 'The cadence slot it ran for; null for run-now and immediate runs' }),
    startedAt: isoTime,
    finishedAt: isoTime.nullable(),
    durationMs: z.int().nullable().meta({ description: 'finishedAt − startedAt; null while running' }),
    eventsClaimed: z.int(), deliveriesCreated: z.int(), deliveriesSent: z.int(), deliveriesFailed: z.int(),
    error: z.string().nullable(),
  })),
}));

export function runRoutes(server: FastifyInstance, app: App): void {
  server.get<{ Params: { type: string }; Querystring: { limit: number } }>('/v1/schedules/:type/runs', {
    schema: {
      tags: ['schedules'],
      summary: 'A type\'s latest runs, newest first, with their counts and durations',
      params: jsonSchema(z.object({ type: z.string() })),
      querystring: jsonSchema(z.object({ limit: z.int().min(1).max(100).default(20) }), 'input'),
      response: { 200: runsView, 400: errorBody, 404: errorBody },
    },
  }, async (request) => {
    const { type } = request.params;
    if (!app.ctx.config.events[type]) {
      throw new HttpError(404, 'not_found', `unknown event type "${type}"`, { knownTypes: Object.keys(app.ctx.config.events) });
    }
    const runs = await selectLatestRunsOfType(app.ctx.db, type, request.query.limit);
    return {
      type,
      items: runs.map((r) => ({
        id: r.id, trigger: r.trigger, status: r.status, slotAt: iso(r.slotAt), startedAt: iso(r.startedAt), finishedAt: iso(r.finishedAt),
        durationMs: r.finishedAt ? Math.max(0, r.finishedAt.getTime() - r.startedAt.getTime()) : null,
        eventsClaimed: Number(r.eventsClaimed), deliveriesCreated: Number(r.deliveriesCreated),
        deliveriesSent: Number(r.deliveriesSent), deliveriesFailed: Number(r.deliveriesFailed), error: r.error,
      })),
    };
  });
}
