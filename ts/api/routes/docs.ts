// The OpenAPI document at /api/v1/openapi.json and Swagger UI at /docs. @fastify/swagger must be
// registered before the routes it documents (registerOpenApi), the UI after them (docsRoutes).
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';

export async function registerOpenApi(app: FastifyInstance, version: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'floodwatch',
        version,
        description:
          'Traffic counters, top talkers, bans and attacks of a floodwatch DDoS detector. Reads are open; bans and unbans need `Authorization: Bearer TOKEN` (api.tokens or FLOODWATCH_API_TOKEN) when a token is configured.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      tags: [
        { name: 'hosts', description: 'Per-host counters and top talkers' },
        { name: 'traffic', description: 'Totals' },
        { name: 'bans', description: 'Banned hosts' },
        { name: 'attacks', description: 'Attacks detected' },
        { name: 'metrics', description: 'Prometheus' },
        { name: 'health', description: 'For load balancers and watchdogs' },
      ],
    },
  });
}

export const docsRoutes: FastifyPluginAsync = async (app) => {
  app.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list', deepLinking: true } });
};
