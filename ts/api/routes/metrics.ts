// GET /metrics: Prometheus text format.
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { ConnectionStats } from '../connections.js';
import type { ApiContext } from '../context.js';
import { ApiMetrics } from '../metrics.js';

export const metricsRoutes: FastifyPluginAsync<{ context: ApiContext; connections?: ConnectionStats }> = async (app, { context, connections }) => {
  const metrics = new ApiMetrics(context, connections);
  app.get(
    '/metrics',
    {
      schema: {
        summary: 'Traffic, sources, bans, attacks, actions and engine timings, in Prometheus text format',
        tags: ['metrics'],
        response: { 200: { description: 'Prometheus text exposition format 0.0.4', content: { 'text/plain': { schema: Type.String() } } } },
      },
    },
    async (_request, reply) => reply.type(metrics.contentType).send(await metrics.scrape()),
  );
};
