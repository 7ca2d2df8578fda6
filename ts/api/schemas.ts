// The shapes the API answers with, as TypeBox schemas: they validate nothing on the way out but
// drive the JSON serializer and the OpenAPI document. They mirror the engine's generated types
// (native/index.d.cts) and ts/attacks/types.ts.
import { Type, type TSchema } from '@sinclair/typebox';
import { DIRECTIONS, PROTOCOL_CLASSES } from '../config/schema.js';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const DirectionSchema = Type.Union(DIRECTIONS.map((d) => Type.Literal(d)));

export const IpAddressSchema = Type.String({
  description: 'one IPv4 or IPv6 address, e.g. 198.51.100.10 or 2001:db8::1 (no prefix, no zone)',
});

export const RateAndTotalSchema = Type.Object({
  pps: Type.Number({ description: 'packets per second' }),
  bps: Type.Number({ description: 'bits per second' }),
  packets_total: Type.Integer(),
  bytes_total: Type.Integer(),
});

export const DirectionCountersSchema = Type.Object({
  pps: Type.Number({ description: 'packets per second' }),
  bps: Type.Number({ description: 'bits per second' }),
  flows: Type.Number({ description: 'flows per second (estimated)' }),
  packets_total: Type.Integer(),
  bytes_total: Type.Integer(),
  flows_total: Type.Integer(),
  protocols: Type.Object(
    Object.fromEntries(PROTOCOL_CLASSES.map((p) => [p, RateAndTotalSchema])) as Record<(typeof PROTOCOL_CLASSES)[number], typeof RateAndTotalSchema>,
  ),
  approximate: Type.Optional(
    Type.Boolean({
      description:
        'the protocol figures and flows are not exact: a host that sends or receives little is counted cheaply (packets, bytes and their speeds only) until it grows; packets, bytes, pps and bps are always exact',
    }),
  ),
});

export const HostSchema = Type.Object({
  ip: Type.String(),
  hostgroup: Type.String(),
  incoming: DirectionCountersSchema,
  outgoing: DirectionCountersSchema,
});

export const HostTableSchema = Type.Object(
  {
    hosts: Type.Integer({ description: 'hosts in the table (at most counters.max_hosts)' }),
    hosts_compact: Type.Integer({ description: 'hosts counted cheaply, totals and speeds only (their figures are approximate)' }),
    hosts_full: Type.Integer({ description: 'hosts with full counters: per protocol, flows' }),
    hosts_protected: Type.Integer({ description: 'hosts at or over counters.protect_fraction of a threshold, never evicted to make room' }),
    memory_bytes: Type.Integer({ description: 'heap bytes the table holds' }),
    evictions: Type.Object(
      { idle: Type.Integer(), full: Type.Integer() },
      { description: 'hosts evicted since start: idle, or to make room when the table was full' },
    ),
    promotions: Type.Integer({ description: 'hosts promoted from compact to full counters since start' }),
    hosts_refused: Type.Integer({ description: 'new hosts counted only in the totals because every host held was protected' }),
  },
  { description: 'The host table: its size, memory, tiers and evictions' },
);

export const TrafficSchema = Type.Object({
  incoming: DirectionCountersSchema,
  outgoing: DirectionCountersSchema,
  internal: DirectionCountersSchema,
  other: DirectionCountersSchema,
});

export const BanSchema = Type.Object({
  ip: Type.String(),
  direction: DirectionSchema,
  hostgroup: Type.String(),
  attack_id: Nullable(Type.String()),
  banned_at: Type.String({ description: 'ISO 8601' }),
  expires_at: Type.String({ description: 'ISO 8601' }),
  manual: Type.Boolean({ description: 'made by an operator, not by detection' }),
  comment: Nullable(Type.String()),
  member: Type.Optional(
    Type.String({
      description:
        'in a cluster (floodwatch run --role): the member (its cluster.name) that holds the ban, as the bans topic says; absent on a floodwatch without --role',
    }),
  ),
});

const TopEntrySchema = Type.Object({
  key: Type.String({ description: 'an address, or a port number' }),
  packets: Type.Number(),
  bytes: Type.Number(),
});

export const AttackSchema = Type.Object({
  id: Type.String(),
  ip: Type.String(),
  direction: DirectionSchema,
  hostgroup: Type.String(),
  threshold: Type.Object({ metric: Type.String(), value: Type.Number(), observed: Type.Number() }),
  type: Type.String({ description: 'syn_flood, udp_flood, dns_amplification...' }),
  started_at: Type.String({ description: 'ISO 8601' }),
  ended_at: Nullable(Type.String({ description: 'ISO 8601; null while the attack goes on' })),
  peak: Type.Object({ pps: Type.Number(), mbps: Type.Number(), flows: Type.Number() }),
  protocols: Type.Record(Type.String(), Type.Object({ pps: Type.Number(), mbps: Type.Number() })),
  top_sources: Type.Array(TopEntrySchema),
  top_source_ports: Type.Array(TopEntrySchema),
  top_destination_ports: Type.Array(TopEntrySchema),
  top_estimated: Type.Optional(
    Type.Boolean({ description: 'the top lists are partly estimated from a sample of the traffic seen before the host was watched' }),
  ),
  pcap: Nullable(Type.String({ description: 'the capture, relative to the state directory; null for flow sources' })),
  series: Type.Optional(
    Type.Array(Type.Object({ at: Type.Number({ description: 'milliseconds since the epoch' }), pps: Type.Number(), mbps: Type.Number() }), {
      description: "the host's rate in the attack's direction from its detection on, about a point a second (thinned past 600 points to keep the whole span)",
    }),
  ),
  member: Type.Optional(
    Type.String({
      description:
        'in a cluster (floodwatch run --role): the member (its cluster.name) that recorded the attack and keeps its capture; absent on a floodwatch without --role',
    }),
  ),
});

export const AttackIdSchema = Type.String({
  pattern: '^[A-Za-z0-9_-]+$',
  maxLength: 128,
  description: 'an attack id such as 20240501T120000000-000, as GET /api/v1/attacks lists them',
});

/** A success response schema with the description the OpenAPI document gives it. */
export function described<T extends TSchema>(schema: T, description: string): T {
  return { ...schema, description };
}
