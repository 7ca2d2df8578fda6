// GET /healthz for load balancers and watchdogs: 200 with every check when all pass, 503 as a
// problem detail naming the failing ones otherwise. (GET / is the dashboard's: ts/api/dashboard.)
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { ApiContext } from '../context.js';
import { HealthCheck } from '../health.js';
import { PROBLEM_CONTENT_TYPE, ProblemSchema } from '../problem.js';

const CheckStatus = Type.Union([Type.Literal('ok'), Type.Literal('failing')]);
const Check = Type.Object({ status: CheckStatus, detail: Type.String() }, { additionalProperties: true });
const Checks = Type.Object(
  { sources: Check, engine: Check, state: Check, actions: Check },
  {
    description:
      'sources: receiving, waiting for a first datagram, or stopped; engine: detection ticking; state: the state directory takes writes; actions: delivering',
  },
);
const Healthy = Type.Object({ status: Type.Literal('ok'), checks: Checks }, { description: 'Every check passes' });
const Unhealthy = Type.Object(
  { ...ProblemSchema.properties, checks: Checks },
  { description: 'A problem detail naming the checks that fail, with every check' },
);

export const healthRoutes: FastifyPluginAsync<{ context: ApiContext }> = async (app, { context }) => {
  const health = new HealthCheck(context);
  app.get(
    '/healthz',
    {
      schema: {
        summary: 'Whether the sources receive, detection ticks, the state directory takes writes and the actions deliver',
        tags: ['health'],
        response: {
          200: Healthy,
          503: { description: 'A check fails: the detail says which and why', content: { [PROBLEM_CONTENT_TYPE]: { schema: Unhealthy } } },
        },
      },
    },
    async (_request, reply) => {
      const { status, checks } = health.report();
      if (status === 'ok') return { status, checks };
      const failing = Object.entries(checks).filter(([, check]) => check.status !== 'ok');
      return reply
        .code(503)
        .type(PROBLEM_CONTENT_TYPE)
        .send({
          type: 'urn:floodwatch:problem:unhealthy',
          title: 'Unhealthy',
          status: 503,
          detail: failing.map(([name, check]) => `${name}: ${check.detail}`).join('; '),
          instance: '/healthz',
          checks,
        });
    },
  );
};
