// The shapes the native engine returns (serialized by crates/engine/src/views.rs).

export type Direction = 'incoming' | 'outgoing';
export type Metric = 'pps' | 'bps' | 'flows';
export type ProtocolClass = 'tcp' | 'tcp_syn' | 'udp' | 'icmp' | 'fragments';

export interface RateAndTotal {
  pps: number;
  bps: number;
  packets_total: number;
  bytes_total: number;
}

export interface DirectionCounters extends RateAndTotal {
  flows: number;
  flows_total: number;
  protocols: Record<ProtocolClass, RateAndTotal>;
  /** The protocol figures and flows are not exact (a host counted in the compact tier, or promoted from it); packets, bytes and their speeds are. */
  approximate: boolean;
}

export interface HostCounters {
  ip: string;
  incoming: DirectionCounters;
  outgoing: DirectionCounters;
  last_seen_ms: number;
}

export interface TrafficTotals {
  incoming: DirectionCounters;
  outgoing: DirectionCounters;
  internal: DirectionCounters;
  other: DirectionCounters;
}

export interface TableStats {
  hosts: number;
  /** Hosts counted in the compact tier (totals and speeds only). */
  hosts_compact: number;
  /** Hosts with full counters (protocols, flows). */
  hosts_full: number;
  /** Hosts at or over counters.protect_fraction of a threshold: never evicted to make room. */
  hosts_protected: number;
  /** New hosts not counted (only in the totals) because every host held was protected. */
  hosts_refused: number;
  /** Hosts promoted from the compact tier to full counters. */
  promotions: number;
  /** Heap bytes the host table holds. */
  memory_bytes: number;
  evictions_idle: number;
  evictions_full: number;
  ticks: number;
  last_tick_duration_us: number;
}

export interface ListenerState {
  address: string;
  worker: number;
  kernel_drops: number;
}

/**
 * One way of grouping hosts for FlowEngine.breakdown: a host counts in the group of the longest
 * prefix containing it, or in `fallback` (left out without one).
 */
export interface Grouping {
  groups: number;
  prefixes: { prefix: string; group: number }[];
  fallback?: number;
}

/** One group's hosts added up (crates/engine/src/breakdown.rs). */
export interface GroupSum {
  hosts: number;
  incoming: DirectionCounters;
  outgoing: DirectionCounters;
}

/** What one pass of FlowEngine.breakdown reads: groupings, and how many top hosts to rank. */
export interface BreakdownRequest {
  groupings: Grouping[];
  /** Hosts ranked by pps and by bit/s in each direction; 0 for none. */
  top: number;
}

export interface Breakdown {
  /** Indexed like the request's groupings, then by group. */
  groups: GroupSum[][];
  /** The busiest hosts, best first. */
  top: Record<Direction, { pps: HostCounters[]; bps: HostCounters[] }>;
}

/** One exporter (address:port), or the `other` row summing every exporter not listed. */
export interface ExporterState {
  exporter: string;
  format: 'netflow_v5' | 'netflow_v9' | 'ipfix' | 'sflow_v5' | null;
  datagrams: number;
  decoded: number;
  records: number;
  dropped: Record<string, number>;
  templates: number;
  sampling_rate: number;
}

export interface AgentInterface {
  agent: string;
  if_index: number;
  if_speed: number;
  in_octets: number;
  in_packets: number;
  in_errors: number;
  in_discards: number;
  out_octets: number;
  out_packets: number;
  out_errors: number;
  out_discards: number;
}

export interface MirrorState {
  name: string;
  packets: number;
  bytes: number;
  kernel_drops: number;
  ring_full: number;
  unparsed: number;
  /** Errors the source met (an interface gone down), and the last one. */
  errors: number;
  last_error: string | null;
}

/** A mirror port as it was opened, and the names of its sources (MirrorState.name). */
export interface MirrorPort {
  interface: string;
  engine: 'af_packet' | 'af_xdp';
  /** How: fanout members and ring, or XDP mode, copy or zero-copy, queues; and the memory its rings took. */
  detail: string;
  /** Bytes of rings (AF_PACKET) or UMEM (AF_XDP) mapped for the port. */
  ring_bytes: number;
  sources: string[];
}

/** The flow decoders' own state, over all workers. */
export interface FlowSourcesState {
  /** Exporters the decoders hold state for. */
  exporters: number;
  /** Exporters (and refused sources) whose counters the `other` exporter row sums. */
  other_exporters: number;
  template_bytes: number;
  held_bytes: number;
  exporter_evictions_idle: number;
  exporter_evictions_full: number;
  template_evictions: number;
  agent_interfaces: number;
  /** Agent interfaces forgotten, or never kept, for lack of room. */
  agent_interface_evictions: number;
}

export interface Sources {
  listeners: ListenerState[];
  /** The busiest 256 exporters by address, then an `other` row when any is not listed. */
  exporters: ExporterState[];
  flow: FlowSourcesState;
  /** At most 4096, by agent and ifIndex; empty in a snapshot (flow.agent_interfaces counts them). */
  agents: AgentInterface[];
  mirrors: MirrorState[];
  mirror_ports: MirrorPort[];
}

export interface Snapshot {
  totals: TrafficTotals;
  top: Record<Direction, Record<Metric, HostCounters[]>>;
  table: TableStats;
  sources: Sources;
}

/** The engine section of the configuration, as crates/engine/src/config.rs reads it. */
export interface EngineConfig {
  listen?: string[];
  workers?: number;
  receive_buffer_bytes?: number;
  batch_size?: number;
  allowed_exporters?: string[];
  sampling_overrides?: { exporter: string; rate: number }[];
  networks?: string[];
  tick_ms?: number;
  average_window_ms?: number;
  idle_timeout_ms?: number;
  max_hosts?: number;
  protect_fraction?: number;
  max_spread_seconds?: number;
  held_data_max_ms?: number;
  max_sampling_rate?: number;
  max_exporters?: number;
  template_memory_bytes?: number;
  min_evidence_datagrams?: number;
  mirror?: MirrorSourceConfig[];
  fingerprint_packets?: number;
  fingerprint_snap_len?: number;
  /** Every decoded record encoded for Kafka (crates/engine/src/export/config.rs). */
  export?: {
    enabled: boolean;
    format?: 'json' | 'protobuf';
    key?: 'destination' | 'none';
    sample_rate?: number;
    directions?: ('incoming' | 'outgoing' | 'internal' | 'other')[];
    batch_bytes?: number;
    queue_bytes?: number;
  };
}

/** Export batches as FlowEngine.takeExport hands them over, with the counts since start. */
export interface ExportDrain {
  /** Each a Kafka RecordBatch (magic 2) for one partition: what a Produce request carries. */
  batches: Buffer[];
  /** The partition of each batch. */
  partitions: number[];
  /** Messages in each batch. */
  records: number[];
  queuedRecords: number;
  queuedBatches: number;
  queuedBytes: number;
  /** Records and batches dropped because the queue was full. */
  droppedRecords: number;
  droppedBatches: number;
  /** Batches still waiting. */
  waiting: number;
}

/** A mirror port (crates/engine/src/config.rs MirrorConfig). */
export interface MirrorSourceConfig {
  interface: string;
  engine?: 'af_packet' | 'af_xdp';
  workers?: number;
  fanout?: 'hash' | 'cpu' | 'lb';
  fanout_group?: number;
  block_size?: number;
  block_count?: number;
  promiscuous?: boolean;
  snap_len?: number;
  sampling_rate?: number;
  decapsulate?: boolean;
  xdp_mode?: 'auto' | 'native' | 'generic';
  zero_copy?: 'auto' | 'on' | 'off';
  batch_wait_ms?: number;
  xdp_frame_count?: number;
  xdp_ring_size?: number;
}

/** A host over one of its thresholds, as the engine's per-tick check reports it. */
export interface Violation {
  ip: string;
  group: number;
  group_name: string;
  direction: Direction;
  /** `pps`, `mbps`, `flows`, `tcp_syn_pps`, `udp_mbps`... */
  metric: string;
  threshold: number;
  observed: number;
  host: HostCounters;
}

export interface Crossing {
  metric: string;
  threshold: number;
  observed: number;
}

export interface SampledTraffic {
  packets: number;
  bytes: number;
}

export interface DirectionSamples {
  records: number;
  traffic: SampledTraffic;
  protocols: { protocol: number; name: string; packets: number; bytes: number }[];
  tcp_syn: SampledTraffic;
  fragments: SampledTraffic;
  udp_with_ports: SampledTraffic;
  remote_addresses: { address: string; packets: number; bytes: number }[];
  source_ports: { protocol: number; port: number; packets: number; bytes: number }[];
  destination_ports: { protocol: number; port: number; packets: number; bytes: number }[];
}

/** What the engine kept of a watched host's traffic since its watch started. */
export interface AttackSamples {
  ip: string;
  records: number;
  records_held: number;
  /** Part of the figures come from a sample of the traffic seen before the watch started. */
  estimated: boolean;
  incoming: DirectionSamples;
  outgoing: DirectionSamples;
}

/** Limits for one direction; an absent limit is off. mbps is Mbit/s. */
export interface DirectionLimits {
  pps?: number;
  mbps?: number;
  flows?: number;
  tcp?: { pps?: number; mbps?: number };
  tcp_syn?: { pps?: number; mbps?: number };
  udp?: { pps?: number; mbps?: number };
  icmp?: { pps?: number; mbps?: number };
  fragments?: { pps?: number; mbps?: number };
}

/** The thresholds the engine checks on every tick: group 0 is the global one. */
export interface CompiledThresholds {
  groups: { name: string; incoming: DirectionLimits; outgoing: DirectionLimits }[];
  hostgroups: { prefix: string; group: number }[];
}
