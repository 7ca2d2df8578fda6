// The web dashboard at / on the API's listener: its page and assets from the package, and the
// live stream it redraws from (GET /api/v1/stream, server-sent events). Everything else it shows
// comes from the public REST API.
import type { FastifyPluginAsync } from 'fastify';
import type { ApiContext } from '../context.js';
import { HealthCheck } from '../health.js';
import { notFound, ProblemError, problemResponses } from '../problem.js';
import { loadAssets, WEB_DIR } from './assets.js';
import { buildFrame } from './live-frame.js';
import { LiveStream, liveStreamCap } from './live-stream.js';

const STREAM_INTERVAL_MS = 1000;

export interface DashboardOptions {
  context: ApiContext;
  /** The API's connection cap: the live streams take a quarter of it at most. */
  connectionCap: number;
}

export const dashboardRoutes: FastifyPluginAsync<DashboardOptions> = async (app, { context, connectionCap }) => {
  const assets = loadAssets();
  if (!assets) context.log.warn({ dir: WEB_DIR }, `the web dashboard is not built (no ${WEB_DIR}/index.html): GET / answers 503; run 'npm run build:web'`);
  const health = new HealthCheck(context);
  const stream = new LiveStream({
    frame: () => JSON.stringify(buildFrame(context, health)),
    intervalMs: STREAM_INTERVAL_MS,
    maxStreams: liveStreamCap(connectionCap),
    log: context.log,
  });
  // Streams never go idle: fastify's close would wait for them forever.
  app.addHook('preClose', async () => stream.close());

  app.get('/', { schema: { hide: true } }, async (request, reply) => {
    if (!request.headers.accept?.includes('text/html')) {
      return { name: 'floodwatch', dashboard: '/', docs: '/docs', openapi: '/api/v1/openapi.json', api: '/api/v1', health: '/healthz', metrics: '/metrics' };
    }
    if (!assets) {
      throw new ProblemError(
        503,
        'not-found',
        'Dashboard not built',
        `the web dashboard is not in this installation (${WEB_DIR}/index.html is missing): run 'npm run build:web', or use the API at /api/v1 and its docs at /docs`,
      );
    }
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(assets.index);
  });

  app.get<{ Params: { name: string } }>('/assets/:name', { schema: { hide: true } }, async (request, reply) => {
    const asset = assets?.files.get(request.params.name);
    if (!asset) throw notFound('not-found', `no dashboard file ${request.params.name}; reload the page at /`);
    // The name carries a hash of the content: it never changes under that name.
    return reply.type(asset.type).header('cache-control', 'public, max-age=31536000, immutable').send(asset.body);
  });

  app.get(
    '/api/v1/stream',
    {
      schema: {
        summary: 'Live frames for dashboards: server-sent events, one frame a second',
        description:
          'Each `data:` line is one JSON frame: totals per direction and protocol class, the top 20 talkers in and out by pps, bit/s and flows with their hostgroup, ' +
          'the attacks under way, the bans (the first 200 and their count), the sources, the health checks and the hostgroups with their thresholds. ' +
          'Every open stream gets the same frame; at most a quarter of api.max_connections streams are open at once (503 past it), and a client that does not read is dropped.',
        tags: ['live'],
        response: {
          200: { description: 'A stream of frames', content: { 'text/event-stream': { schema: { type: 'string' } } } },
          ...problemResponses(503),
        },
      },
    },
    async (_request, reply) => {
      stream.attach(reply);
      return reply;
    },
  );
};
