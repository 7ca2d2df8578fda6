// The configuration file's schema (config/floodwatch.example.yaml is its commented form) and the
// type of a loaded configuration: the file merged over the embedded default, so every section
// and key is present except the thresholds, where absent or null means off, and the hostgroup
// keys that fall back to the global ones (see HostgroupSchema).
import { Type, type Static, type TLiteral, type TSchema, type TUnion } from '@sinclair/typebox';
import type { StringFormatName } from './formats.js';
import './formats.js';

const strict = { additionalProperties: false } as const;

function FormattedString(format: StringFormatName) {
  return Type.String({ format });
}

function Choice<const T extends readonly string[]>(values: T): TUnion<TLiteral<T[number]>[]> {
  return Type.Union(values.map((value) => Type.Literal(value)));
}

function OrOff<T extends TSchema>(schema: T) {
  return Type.Optional(Type.Union([schema, Type.Null()]));
}

const Port = Type.Integer({ minimum: 1, maximum: 65535 });
const PositiveInteger = Type.Integer({ minimum: 1 });
const Rate = Type.Number({ exclusiveMinimum: 0 });

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;
export const PROTOCOL_CLASSES = ['tcp', 'tcp_syn', 'udp', 'icmp', 'fragments'] as const;
export const DIRECTIONS = ['incoming', 'outgoing'] as const;
/** The actions a hostgroup can name. The BGP actions join them in their own issue. */
export const ACTION_NAMES = ['script', 'email'] as const;

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
  },
  strict,
);

export const CountersSchema = Type.Object(
  {
    tick_ms: PositiveInteger,
    average_window_ms: PositiveInteger,
    idle_timeout_ms: PositiveInteger,
    max_hosts: PositiveInteger,
    max_spread_seconds: Type.Integer({ minimum: 1, maximum: 4294967295 }),
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
export const ThresholdsSchema = Type.Object(
  { incoming: OrOff(DirectionThresholdsSchema), outgoing: OrOff(DirectionThresholdsSchema) },
  strict,
);

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
  },
  strict,
);

export const ScriptActionSchema = Type.Object(
  {
    enabled: Type.Boolean(),
    path: Type.String({ minLength: 1 }),
    format: Choice(['text', 'json'] as const),
    timeout_seconds: Rate,
  },
  strict,
);

export const SmtpSchema = Type.Object(
  {
    host: Type.String({ minLength: 1 }),
    port: Port,
    secure: Type.Boolean(),
    starttls: Type.Boolean(),
    user: Type.Optional(Type.String({ minLength: 1 })),
    password: Type.Optional(Type.String()),
  },
  strict,
);

export const EmailActionSchema = Type.Object(
  {
    enabled: Type.Boolean(),
    from: FormattedString('email-address'),
    to: Type.Array(FormattedString('email-address')),
    smtp: SmtpSchema,
  },
  strict,
);

export const ActionsSchema = Type.Object({ script: ScriptActionSchema, email: EmailActionSchema }, strict);

export const ApiSchema = Type.Object(
  {
    enabled: Type.Boolean(),
    /** TCP address; anything but loopback needs a token. */
    listen: FormattedString('listen-address'),
    /** Bearer tokens that may change bans; FLOODWATCH_API_TOKEN adds one. */
    tokens: Type.Array(Type.String({ minLength: 16 })),
    /** Mutations (ban, unban) per minute per client address. */
    mutations_per_minute: PositiveInteger,
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
    thresholds: ThresholdsSchema,
    ban: BanSchema,
    hostgroups: Type.Array(HostgroupSchema),
    actions: ActionsSchema,
    api: ApiSchema,
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
export type ActionName = Static<typeof ActionNameSchema>;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type ProtocolClassName = (typeof PROTOCOL_CLASSES)[number];
