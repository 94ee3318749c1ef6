/**
 * The OpenAPI document is generated from the route schemas (@fastify/swagger)
 * and served at /openapi.json; @fastify/swagger-ui renders it at /docs.
 * Must be registered before the routes: swagger collects them as they are added.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

export async function registerOpenApi(server: FastifyInstance, version: string): Promise<void> {
  await server.register(swagger, {
    openapi: {
      // 3.1: full JSON Schema, so the zod-generated schemas (nullable as
      // `anyOf … null`, `const`) appear as written.
      openapi: '3.1.0',
      info: {
        title: 'digest',
        version,
        description: 'Record events, inspect schedules, runs and deliveries, and manage recipient profiles of the digest scheduler.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'DIGEST_API_TOKEN' } } },
      security: [{ bearer: [] }],
      tags: [
        { name: 'events', description: 'Record events, follow them to their delivery, cancel outstanding ones' },
        { name: 'schedules', description: 'Cadences, outstanding work, run now' },
        { name: 'deliveries', description: 'The outbox: rendered messages and their state' },
        { name: 'recipients', description: 'Recipient profiles: time zone, locale, quiet hours, per-type frequency' },
        { name: 'suppressions', description: 'Addresses that receive nothing; bounce and complaint reports' },
        { name: 'pull', description: 'Pull consumers: lease rendered deliveries of a `kind: pull` transport, ack or nack each' },
        { name: 'operations', description: 'Health, readiness, metrics' },
      ],
    },
  });
  await server.register(swaggerUi, { routePrefix: '/docs' });
  server.get('/openapi.json', { schema: { hide: true } }, async () => server.swagger());
}
