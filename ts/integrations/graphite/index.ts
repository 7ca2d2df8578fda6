// Traffic figures pushed to Graphite (carbon's plaintext protocol) every push_seconds, in
// FastNetMon's metric paths and more, with attack events as points.
import { Type } from '@sinclair/typebox';
import { FormattedString, Port, Rate, strict } from '../../config/schema-types.js';
import { pushMetrics } from '../traffic-figures/pusher.js';
import { PushSchedule } from '../traffic-figures/schema.js';
import { defineIntegration } from '../types.js';
import { carryGraphite } from './fastnetmon.js';

/** Dotted path components of letters, digits, _ and -. */
export const GRAPHITE_PREFIX = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

export const GraphiteSchema = Type.Object(
  {
    enabled: Type.Boolean(),
    /** carbon's host: a name, an IPv4 or an IPv6 address. */
    host: FormattedString('host-name'),
    /** carbon's LINE_RECEIVER_PORT. */
    port: Port,
    /** Every path starts with it; FastNetMon's default is fastnetmon. */
    prefix: Type.String({ pattern: GRAPHITE_PREFIX.source, hint: 'dotted words, e.g. floodwatch or dc1.floodwatch' }),
    ...PushSchedule,
    /** How long connecting may take. */
    timeout_seconds: Rate,
  },
  strict,
);

export const graphite = defineIntegration({
  name: 'graphite',
  schema: GraphiteSchema,
  defaults: () => ({
    enabled: false,
    host: '127.0.0.1',
    port: 2003,
    prefix: 'floodwatch',
    push_seconds: 1,
    top_hosts: 20,
    queue_batches: 60,
    timeout_seconds: 5,
  }),
  describe: (config) =>
    `graphite at ${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port} (prefix ${config.prefix}, every ${config.push_seconds} s, top ${config.top_hosts} hosts)`,
  importFastnetmon: carryGraphite,
  metrics: pushMetrics('graphite'),
  create: async (config, deps) => {
    const { GraphiteIntegration } = await import('./graphite.js');
    return new GraphiteIntegration(config, deps);
  },
});
