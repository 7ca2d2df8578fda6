// GET /api/v1/hosts/{ip}: one host's counters. GET /api/v1/hosts: the top talkers.
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { PROTOCOL_CLASSES } from '../../config/schema.js';
import type { HostCounters } from '../../engine/index.js';
import type { ApiContext } from '../context.js';
import { notFound, problemResponses } from '../problem.js';
import { DirectionSchema, HostSchema, HostTableSchema, IpAddressSchema } from '../schemas.js';
import type { TypeBoxTypeProvider } from '../type-provider.js';
import { hostAddress } from './address-param.js';

const SORT_KEYS = ['pps', 'bps', 'flows', ...PROTOCOL_CLASSES.flatMap((p) => [`${p}_pps`, `${p}_bps`])];

const TopQuery = Type.Object(
  {
    direction: Type.Optional(Type.Union(DirectionSchema.anyOf, { default: 'incoming' })),
    sort: Type.Optional(
      Type.Union(
        SORT_KEYS.map((k) => Type.Literal(k)),
        { default: 'pps', description: 'pps, bps, flows, or PROTOCOL_pps / PROTOCOL_bps' },
      ),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 20 })),
  },
  { additionalProperties: false },
);

export const hostRoutes: FastifyPluginAsync<{ context: ApiContext }> = async (fastify, { context }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const withGroup = (host: HostCounters) => ({ ip: host.ip, hostgroup: context.groupOf(host.ip), incoming: host.incoming, outgoing: host.outgoing });

  app.get(
    '/hosts/:ip',
    {
      schema: {
        summary: "A host's current speeds and totals, in and out",
        tags: ['hosts'],
        params: Type.Object({ ip: IpAddressSchema }),
        response: {
          200: Type.Object(
            {
              ...HostSchema.properties,
              thresholds: Type.Optional(
                Type.Object(
                  { incoming: Type.Object({}, { additionalProperties: true }), outgoing: Type.Object({}, { additionalProperties: true }) },
                  { description: "The limits of the host's hostgroup (pps, mbps, flows, and per protocol); an absent one is off" },
                ),
              ),
            },
            { description: 'The host: its hostgroup, per direction its speeds and totals, and the thresholds that apply to it' },
          ),
          ...problemResponses(400, 404),
        },
      },
    },
    async (request) => {
      const ip = hostAddress(request.params.ip, 'the address in the path');
      const host = context.engine.host(ip);
      if (!host) {
        throw notFound(
          'host-not-seen',
          context.isMonitored(ip)
            ? `no traffic to or from ${ip} has been seen lately (hosts idle for a while leave the table)`
            : `${ip} is outside the monitored networks (networks in the configuration), so floodwatch keeps no counters for it`,
        );
      }
      const detail = withGroup(host);
      return { ...detail, ...(context.thresholdsOf && { thresholds: context.thresholdsOf(detail.hostgroup) }) };
    },
  );

  app.get(
    '/hosts',
    {
      schema: {
        summary: 'The top talkers of one direction, by one metric',
        tags: ['hosts'],
        querystring: TopQuery,
        response: {
          200: Type.Object(
            { direction: DirectionSchema, sort: Type.String(), hosts: Type.Array(HostSchema), table: HostTableSchema },
            { description: 'The top hosts, highest first, and the host table they come from' },
          ),
          ...problemResponses(400),
        },
      },
    },
    async (request) => {
      const { direction = 'incoming', sort = 'pps', limit = 20 } = request.query;
      const table = context.engine.snapshot(0).table;
      return {
        direction,
        sort,
        hosts: context.engine.top(direction, sort, limit).map(withGroup),
        table: {
          hosts: table.hosts,
          hosts_compact: table.hosts_compact,
          hosts_full: table.hosts_full,
          hosts_protected: table.hosts_protected,
          memory_bytes: table.memory_bytes,
          evictions: { idle: table.evictions_idle, full: table.evictions_full },
          promotions: table.promotions,
          hosts_refused: table.hosts_refused,
        },
      };
    },
  );
};
