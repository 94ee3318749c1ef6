/** GET /v1/schedules (what `digest status` and `digest check` show) and POST /v1/schedules/:type/run (`digest run now`). */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { App } from '../../app.js';
import { scheduleStatus } from '../../scheduler/status.js';
import { previewType } from '../../runner/preview.js';
import { runNow } from '../../runner/run-now.js';
import { describeSchedules } from '../../scheduler/fire-times.js';
import { DELIVERY_STATUSES, type DeliveryStatus, RUN_TRIGGERS } from '../../types.js';
import { HttpError } from '../errors.js';
import { errorBody, iso, isoTime, jsonSchema } from '../schema.js';

const deliveryCounts = z.object(Object.fromEntries(DELIVERY_STATUSES.map((s) => [s, z.int()])) as Record<DeliveryStatus, z.ZodInt>);

const schedulesView = jsonSchema(z.object({
  types: z.array(z.object({
    type: z.string(),
    cadence: z.string(),
    timezone: z.string(),
    next: z.array(z.string()).meta({ description: 'Next fire times in the schedule\'s zone (ISO with offset); empty for immediate' }),
    nextRun: z.string().meta({ description: 'Next slot (UTC ISO), or "continuous" for immediate' }),
    outstanding: z.int(),
    held: z.int().meta({ description: 'Of the outstanding, held for recipients\' send windows or quiet hours and not yet due' }),
    oldestAgeSeconds: z.number().nullable(),
    lastRun: z.object({
      id: z.int(), trigger: z.enum(RUN_TRIGGERS), status: z.string(), startedAt: isoTime, deliveriesSent: z.int(), deliveriesFailed: z.int(),
    }).nullable(),
    deliveries: deliveryCounts,
  })),
  unknownTypes: z.array(z.object({
    type: z.string(), outstanding: z.int(), oldestAgeSeconds: z.number().nullable(),
  })).meta({ description: 'Outstanding events of types not in the schedules file: nothing processes them' }),
}));

const runSummary = z.object({
  runId: z.int().nullable(), skipped: z.boolean(),
  eventsClaimed: z.int(), deliveriesCreated: z.int(), deliveriesSent: z.int(), deliveriesFailed: z.int(),
});
const previewMessage = z.object({
  recipient: z.string(), events: z.array(z.int()),
  to: z.string().optional(), subject: z.string().optional(), text: z.string().optional(), html: z.string().optional(),
  headers: z.record(z.string(), z.string()).optional().meta({
    description: 'A mail transport\'s header fields as the message is written, but Date (the send\'s) and Message-ID (made from the delivery\'s id, which only a real claim creates)',
  }),
  suppressed: z.string().optional().meta({ description: 'Why a real run would send nothing to this recipient (type turned off, address on the suppression list)' }),
  error: z.string().optional(),
});
const previewView = jsonSchema(z.object({ type: z.string(), messages: z.array(previewMessage) }));
const runView = jsonSchema(z.union([
  z.object({ type: z.string(), dryRun: z.literal(false), summary: runSummary }),
  z.object({ type: z.string(), dryRun: z.literal(true), messages: z.array(previewMessage) }),
]));

export function scheduleRoutes(server: FastifyInstance, app: App): void {
  server.get('/v1/schedules', {
    schema: {
      tags: ['schedules'],
      summary: 'Per event type: cadence, next fire times, outstanding events, last run, deliveries by status',
      response: { 200: schedulesView },
    },
  }, async () => {
    const now = new Date();
    const [s, fires] = [await scheduleStatus(app.ctx, now), describeSchedules(app.ctx.config, now)];
    return {
      types: s.types.map((t) => {
        const f = fires.find((x) => x.type === t.type);
        return {
          ...t,
          timezone: f?.timezone ?? app.ctx.config.timezone,
          next: f?.next ?? [],
          nextRun: t.nextRun instanceof Date ? iso(t.nextRun) : t.nextRun ?? 'none',
          lastRun: t.lastRun && { ...t.lastRun, startedAt: iso(t.lastRun.startedAt) },
        };
      }),
      unknownTypes: s.unknownTypes,
    };
  });

  server.post<{ Params: { type: string }; Querystring: { recipient?: string; dryRun?: boolean } }>('/v1/schedules/:type/run', {
    schema: {
      tags: ['schedules'],
      summary: 'Run a type now, regardless of its cadence (like `digest run now`)',
      description: 'With dryRun=true, renders what would be sent and claims nothing.',
      params: jsonSchema(z.object({ type: z.string() })),
      querystring: jsonSchema(z.object({ recipient: z.string().min(1).optional(), dryRun: z.boolean().default(false) }), 'input'),
      response: { 200: runView, 404: errorBody },
    },
  }, async (request) => {
    const { type } = request.params;
    if (!app.ctx.config.events[type]) {
      throw new HttpError(404, 'not_found', `unknown event type "${type}"`, { knownTypes: Object.keys(app.ctx.config.events) });
    }
    const [result] = await runNow(app.ctx, { type, recipient: request.query.recipient, dryRun: request.query.dryRun });
    return result;
  });

  server.get<{ Params: { type: string }; Querystring: { recipient?: string } }>('/v1/schedules/:type/preview', {
    schema: {
      tags: ['schedules'],
      summary: 'What a run now of this type would send at this moment (like `digest run now --dry-run`); claims nothing',
      description: 'The same subject, bodies and header fields (but Date and Message-ID) a real run now renders and sends.',
      params: jsonSchema(z.object({ type: z.string() })),
      querystring: jsonSchema(z.object({ recipient: z.string().min(1).optional() }), 'input'),
      response: { 200: previewView, 404: errorBody },
    },
  }, async (request) => {
    const { type } = request.params;
    if (!app.ctx.config.events[type]) {
      throw new HttpError(404, 'not_found', `unknown event type "${type}"`, { knownTypes: Object.keys(app.ctx.config.events) });
    }
    return { type, messages: await previewType(app.ctx, type, request.query.recipient) };
  });
}
