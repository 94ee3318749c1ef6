/**
 * GET /v1/schedules/:type/runs: a type's latest runs with their counts and
 * durations (the dashboard's schedules page); GET /v1/runs/:id/deliveries:
 * one run and its deliveries, paged in group-key order.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { App } from '../../app.js';
import { selectLatestRunsOfType, selectRunById, selectRunDeliveriesPage } from '../../store/read-pages.js';
import type { RunRow } from '../../store/run-row.js';
import { RUN_TRIGGERS } from '../../types.js';
import { HttpError } from '../errors.js';
import { errorBody, idParams, iso, isoTime, jsonSchema } from '../schema.js';
import { summaryFields, summaryOf } from './deliveries.js';

const runFields = z.object({
  id: z.int(),
  eventType: z.string(),
  trigger: z.enum(RUN_TRIGGERS),
  status: z.string().meta({ description: 'running, succeeded, failed, stopped, abandoned' }),
  slotAt: isoTime.nullable().meta({ description: 'The cadence slot it ran for; null for run-now and immediate runs' }),
  startedAt: isoTime,
  finishedAt: isoTime.nullable(),
  durationMs: z.int().nullable().meta({ description: 'finishedAt − startedAt; null while running' }),
  eventsClaimed: z.int(), deliveriesCreated: z.int(), deliveriesSent: z.int(), deliveriesFailed: z.int(),
  error: z.string().nullable(),
});
const runsView = jsonSchema(z.object({ type: z.string(), items: z.array(runFields) }));
const runDeliveriesView = jsonSchema(z.object({
  run: runFields,
  items: z.array(z.object({ ...summaryFields, groupKey: z.string().meta({ description: 'The recipient, or `#<event id>` for a per-event type' }) })),
  nextCursor: z.string().nullable().meta({ description: 'Pass as `after` for the next page (group-key order); null on the last page' }),
}));

const runOf = (r: RunRow) => ({
  id: r.id, eventType: r.eventType, trigger: r.trigger, status: r.status, slotAt: iso(r.slotAt), startedAt: iso(r.startedAt), finishedAt: iso(r.finishedAt),
  durationMs: r.finishedAt ? Math.max(0, r.finishedAt.getTime() - r.startedAt.getTime()) : null,
  eventsClaimed: Number(r.eventsClaimed), deliveriesCreated: Number(r.deliveriesCreated),
  deliveriesSent: Number(r.deliveriesSent), deliveriesFailed: Number(r.deliveriesFailed), error: r.error,
});

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
    return { type, items: runs.map(runOf) };
  });

  server.get<{ Params: { id: string }; Querystring: { after?: string; limit: number } }>('/v1/runs/:id/deliveries', {
    schema: {
      tags: ['schedules'],
      summary: 'One run and its deliveries, in group-key (recipient) order, paged by key',
      params: idParams,
      querystring: jsonSchema(z.object({
        after: z.string().optional().meta({ description: 'nextCursor of the previous page' }),
        limit: z.int().min(1).max(500).default(50),
      }), 'input'),
      response: { 200: runDeliveriesView, 400: errorBody, 404: errorBody },
    },
  }, async (request) => {
    const id = Number(request.params.id);
    const run = await selectRunById(app.ctx.db, id);
    if (!run) throw new HttpError(404, 'not_found', `no run ${id}`);
    const rows = await selectRunDeliveriesPage(app.ctx.db, id, { after: request.query.after, limit: request.query.limit });
    const last = rows.at(-1);
    return {
      run: runOf(run),
      items: rows.map((d) => ({ ...summaryOf(d), groupKey: d.groupKey })),
      nextCursor: rows.length === request.query.limit && last ? last.groupKey : null,
    };
  });
}
