// The configuration file's schema (config/floodwatch.example.yaml is its commented form) and the
// type of a loaded configuration: the file merged over the embedded default, so every section
// and key is present except the thresholds, where absent or null means off, and the hostgroup
// keys that fall back to the global ones (see HostgroupSchema).
import { Type, type Static } from '@sinclair/typebox';
import { INTEGRATIONS } from '../integrations/registry.js';
import type { IntegrationDefinition } from '../integrations/types.js';
import { ClusterSchema } from '../cluster/config.js';
import { Choice, FormattedString, OrOff, PositiveInteger, Rate, strict } from './schema-types.js';

/** Bearer tokens shorter than this are refused: they could be guessed. */
export const API_TOKEN_MIN_LENGTH = 16;

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;
export const PROTOCOL_CLASSES = ['tcp', 'tcp_syn', 'udp', 'icmp', 'fragments'] as const;
export const DIRECTIONS = ['incoming', 'outgoing'] as const;
/** The actions (integrations) a hostgroup can name: the registry's, in its order. */
export const ACTION_NAMES = INTEGRATIONS.map((integration) => integration.name) as unknown as readonly ActionName[];

export const SamplingOverrideSchema = Type.Object(
  {
    exporter: FormattedString('ip-address'),
    rate: Type.Integer({ minimum: 1, maximum: 4294967295 }),
  },
  strict,
);

export const FlowSourceSchema = Type.Object(
  {
    listen: Type.Array(FormattedString('listen-address')),
    workers: Type.Integer({ minimum: 0, maximum: 4096 }),
    receive_buffer_bytes: Type.Integer({ minimum: 1, maximum: 2147483647 }),
    allowed_exporters: Type.Array(FormattedString('ip-prefix')),
    sampling_overrides: Type.Array(SamplingOverrideSchema),
    /** Records claiming a higher sampling rate are dropped as implausible. */
    max_sampling_rate: Type.Integer({ minimum: 1, maximum: 4294967295 }),
    /** Exporters (address and port) kept; past it the least recently heard are forgotten. */
    max_exporters: Type.Integer({ minimum: 16, maximum: 16777216 }),
    /** Memory all NetFlow v9 / IPFIX templates may take; past it the least recently used go. */
    template_memory_bytes: Type.Integer({ minimum: 1048576, maximum: 17179869184 }),
  },
  strict,
);

/** A mirror port captured with AF_PACKET (TPACKET_V3 with fanout) or AF_XDP. */
export const MirrorSourceSchema = Type.Object(
  {
    interface: Type.String({ minLength: 1, maxLength: 15 }),
    engine: Type.Optional(Choice(['af_packet', 'af_xdp'] as const)),
    /** af_packet: fanout members, one thread each (0 = one per core); af_xdp: one per RX queue. */
    workers: Type.Optional(Type.Integer({ minimum: 0, maximum: 256 })),
    fanout: Type.Optional(Choice(['hash', 'cpu', 'lb'] as const)),
    fanout_group: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
    block_size: Type.Optional(Type.Integer({ minimum: 4096, maximum: 1 << 30 })),
    block_count: Type.Optional(Type.Integer({ minimum: 1, maximum: 65536 })),
    promiscuous: Type.Optional(Type.Boolean()),
    snap_len: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
    sampling_rate: Type.Optional(Type.Integer({ minimum: 1, maximum: 4294967295 })),
    decapsulate: Type.Optional(Type.Boolean()),
    xdp_mode: Type.Optional(Choice(['auto', 'native', 'generic'] as const)),
    zero_copy: Type.Optional(Choice(['auto', 'on', 'off'] as const)),
    /** How long a captured frame may wait before its worker takes it (af_packet block timeout, af_xdp longest sleep). */
    batch_wait_ms: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    /** af_xdp: UMEM frames (2 KiB each) and RX ring entries (a power of two) per RX queue. */
    xdp_frame_count: Type.Optional(Type.Integer({ minimum: 64, maximum: 1 << 20 })),
    xdp_ring_size: Type.Optional(Type.Integer({ minimum: 64, maximum: 1 << 20 })),
  },
  strict,
);

export const CountersSchema = Type.Object(
  {
    tick_ms: PositiveInteger,
    average_window_ms: PositiveInteger,
    idle_timeout_ms: PositiveInteger,
    max_hosts: PositiveInteger,
    /** Hosts at or over this part of one of their thresholds are never evicted to make room. */
    protect_fraction: Type.Number({ exclusiveMinimum: 0, maximum: 1 }),
    max_spread_seconds: Type.Integer({ minimum: 1, maximum: 4294967295 }),
    /** A host is reported over a threshold only once its traffic came in this many datagrams (or mirror frames) within a second or two. */
    min_evidence_datagrams: Type.Integer({ minimum: 1, maximum: 255 }),
  },
  strict,
);

/** Packets and megabits per second; each absent or null is off. */
export const RateThresholdsSchema = Type.Object({ pps: OrOff(Rate), mbps: OrOff(Rate) }, strict);

/** One direction's thresholds: totals, flows per second and per protocol class. */
export const DirectionThresholdsSchema = Type.Object(
  {
    pps: OrOff(Rate),
    mbps: OrOff(Rate),
    flows: OrOff(Rate),
    tcp: OrOff(RateThresholdsSchema),
    tcp_syn: OrOff(RateThresholdsSchema),
    udp: OrOff(RateThresholdsSchema),
    icmp: OrOff(RateThresholdsSchema),
    fragments: OrOff(RateThresholdsSchema),
  },
  strict,
);

/** A thresholds block is complete wherever it is given: what it leaves out is off. */
export const ThresholdsSchema = Type.Object({ incoming: OrOff(DirectionThresholdsSchema), outgoing: OrOff(DirectionThresholdsSchema) }, strict);

export const BanSchema = Type.Object(
  {
    enabled: Type.Boolean(),
    time_seconds: PositiveInteger,
    unban_only_if_attack_finished: Type.Boolean(),
  },
  strict,
);

export const ActionNameSchema = Choice(ACTION_NAMES);

/**
 * A named set of prefixes. Left out, `ban` is ban.enabled, `thresholds` the global thresholds
 * and `actions` every enabled action.
 */
export const HostgroupSchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    prefixes: Type.Array(FormattedString('ip-prefix'), { minItems: 1 }),
    ban: Type.Optional(Type.Boolean()),
    thresholds: Type.Optional(ThresholdsSchema),
    actions: Type.Optional(Type.Array(ActionNameSchema)),
    /** Announce FlowSpec rules for this hostgroup's attacks (where the BGP action has flowspec on). */
    flowspec: Type.Optional(Type.Boolean()),
  },
  strict,
);

type Registered = (typeof INTEGRATIONS)[number];

/** The `actions` section: one key per integration of the registry, each with its own schema. */
export const ActionsSchema = Type.Object(
  Object.fromEntries(INTEGRATIONS.map((integration: IntegrationDefinition) => [integration.name, integration.schema])) as {
    [D in Registered as D['name']]: D['schema'];
  },
  strict,
);

/** What is kept of each host under attack for its pcap. */
export const FingerprintSchema = Type.Object(
  {
    /** Packets kept from the attack's detection on. */
    packets: Type.Integer({ minimum: 0, maximum: 100000 }),
    /** Bytes kept of each packet. */
    snap_len: Type.Integer({ minimum: 64, maximum: 65535 }),
  },
  strict,
);

export const ApiSchema = Type.Object(
  {
    enabled: Type.Boolean(),
    /** TCP address; anything but loopback needs a token. */
    listen: FormattedString('listen-address'),
    /** Bearer tokens that may change bans; FLOODWATCH_API_TOKEN adds one. */
    tokens: Type.Array(Type.String({ minLength: API_TOKEN_MIN_LENGTH, hint: 'e.g. the output of openssl rand -hex 32' })),
    /** Mutations (ban, unban) per minute per client address. */
    mutations_per_minute: PositiveInteger,
    /** Host names the API answers to besides its listen address (and localhost on loopback). */
    allowed_hosts: Type.Array(FormattedString('host-name')),
    /** Connections open at once; fewer when the open-files limit leaves too few descriptors. */
    max_connections: Type.Integer({ minimum: 1, maximum: 1000000 }),
    /** A connection with no request under way is closed after this long. */
    idle_timeout_seconds: Type.Integer({ minimum: 1, maximum: 3600 }),
  },
  strict,
);

export const FloodwatchConfigSchema = Type.Object(
  {
    state_dir: Type.String({ minLength: 1 }),
    log_level: Choice(LOG_LEVELS),
    sources: Type.Object({ flow: FlowSourceSchema, mirror: Type.Array(MirrorSourceSchema) }, strict),
    networks: Type.Array(FormattedString('ip-prefix')),
    whitelist: Type.Array(FormattedString('ip-prefix')),
    counters: CountersSchema,
    fingerprint: FingerprintSchema,
    thresholds: ThresholdsSchema,
    ban: BanSchema,
    hostgroups: Type.Array(HostgroupSchema),
    actions: ActionsSchema,
    api: ApiSchema,
    /** floodwatch run --role sensor|detector: ts/cluster/config.ts. */
    cluster: Type.Optional(ClusterSchema),
  },
  strict,
);

export type FloodwatchConfig = Static<typeof FloodwatchConfigSchema>;
export type Thresholds = Static<typeof ThresholdsSchema>;
export type DirectionThresholds = Static<typeof DirectionThresholdsSchema>;
export type RateThresholds = Static<typeof RateThresholdsSchema>;
export type Hostgroup = Static<typeof HostgroupSchema>;
export type ApiConfig = Static<typeof ApiSchema>;
export type MirrorSource = Static<typeof MirrorSourceSchema>;
export type ActionsConfig = Static<typeof ActionsSchema>;
export type ActionName = Registered['name'];
export type LogLevel = (typeof LOG_LEVELS)[number];
export type ProtocolClassName = (typeof PROTOCOL_CLASSES)[number];
