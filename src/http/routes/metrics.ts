/** GET /metrics: Prometheus text exposition of our own registry (database gauges are computed now). */
import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../metrics.js';

export function metricsRoutes(server: FastifyInstance, metrics: Metrics): void {
  server.get('/metrics', {
    schema: {
      tags: ['operations'],
      summary: 'Prometheus metrics',
      produces: ['text/plain'],
      response: { 200: { type: 'string', description: 'Prometheus text format 0.0.4' } },
    },
  }, async (_request, reply) => {
    const body = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(body);
  });
}
