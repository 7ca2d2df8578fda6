// GET /api/v1/traffic: totals per direction and protocol.
import type { FastifyPluginAsync } from 'fastify';
import type { ApiContext } from '../context.js';
import { described, TrafficSchema } from '../schemas.js';
import type { TypeBoxTypeProvider } from '../type-provider.js';

export const trafficRoutes: FastifyPluginAsync<{ context: ApiContext }> = async (fastify, { context }) => {
  fastify.withTypeProvider<TypeBoxTypeProvider>().get(
    '/traffic',
    {
      schema: {
        summary: 'Traffic totals: into and out of the monitored networks, within them, and neither',
        tags: ['traffic'],
        response: { 200: described(TrafficSchema, 'Speeds and totals per direction, each with its protocols') },
      },
    },
    async () => context.engine.snapshot(0).totals,
  );
};
