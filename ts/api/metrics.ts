// The Prometheus metrics: one registry per server, every value read from the context when
// scraped (the engine, the bans, the attacks and the actions already count; nothing here does).
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { PROTOCOL_CLASSES } from '../config/schema.js';
import type { DirectionCounters, FlowSourcesState, MirrorState, Snapshot } from '../engine/index.js';
import { INTEGRATIONS } from '../integrations/registry.js';
import type { IntegrationDefinition } from '../integrations/types.js';
import type { ConnectionStats } from './connections.js';
import type { ApiContext } from './context.js';
import { CLUSTER_METRICS } from '../cluster/metrics.js';

type Labels = Record<string, string>;
type Sample = [labels: Labels, value: number];

const TRAFFIC_DIRECTIONS = ['incoming', 'outgoing', 'internal', 'other'] as const;

export class ApiMetrics {
  readonly registry = new Registry();
  readonly #context: ApiContext;
  #snapshot: Snapshot | null = null;

  constructor(context: ApiContext, connections?: ConnectionStats) {
    this.#context = context;
    collectDefaultMetrics({ register: this.registry });
    this.#trafficMetrics();
    this.#tableMetrics();
    this.#sourceMetrics();
    this.#stateMetrics();
    this.#actionMetrics();
    this.#integrationMetrics();
    if (connections) this.#apiConnectionMetrics(connections);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The text exposition; every metric of one scrape reads the same engine snapshot. */
  async scrape(): Promise<string> {
    this.#snapshot = null;
    return this.registry.metrics();
  }

  #engine(): Snapshot {
    this.#snapshot ??= this.#context.engine.snapshot(0);
    return this.#snapshot;
  }

  #trafficMetrics(): void {
    const perProtocol = (read: (counters: { pps: number; bps: number; packets_total: number; bytes_total: number }) => number) => (): Sample[] =>
      TRAFFIC_DIRECTIONS.flatMap((direction) => {
        const counters: DirectionCounters = this.#engine().totals[direction];
        return [
          [{ direction, protocol: 'all' }, read(counters)] as Sample,
          ...PROTOCOL_CLASSES.map((protocol): Sample => [{ direction, protocol }, read(counters.protocols[protocol])]),
        ];
      });
    const perDirection = (read: (counters: DirectionCounters) => number) => (): Sample[] =>
      TRAFFIC_DIRECTIONS.map((direction) => [{ direction }, read(this.#engine().totals[direction])]);
    const labels = ['direction', 'protocol'];
    this.#gauge(
      'floodwatch_traffic_packets_per_second',
      'Packets per second, per direction and protocol (all: every protocol)',
      labels,
      perProtocol((c) => c.pps),
    );
    this.#gauge(
      'floodwatch_traffic_bits_per_second',
      'Bits per second (IP layer), per direction and protocol',
      labels,
      perProtocol((c) => c.bps),
    );
    this.#gauge(
      'floodwatch_traffic_flows_per_second',
      'Flows per second (estimated), per direction',
      ['direction'],
      perDirection((c) => c.flows),
    );
    this.#counter(
      'floodwatch_traffic_packets_total',
      'Packets seen, per direction and protocol',
      labels,
      perProtocol((c) => c.packets_total),
    );
    this.#counter(
      'floodwatch_traffic_bytes_total',
      'Bytes seen (IP layer), per direction and protocol',
      labels,
      perProtocol((c) => c.bytes_total),
    );
    this.#counter(
      'floodwatch_traffic_flows_total',
      'Flows seen, per direction',
      ['direction'],
      perDirection((c) => c.flows_total),
    );
  }

  #tableMetrics(): void {
    const table = () => this.#engine().table;
    this.#gauge('floodwatch_hosts', 'Hosts in the counter table', [], () => [[{}, table().hosts]]);
    this.#gauge('floodwatch_hosts_by_tier', 'Hosts in the counter table by tier: compact (totals and speeds only) or full (protocols, flows)', ['tier'], () => [
      [{ tier: 'compact' }, table().hosts_compact],
      [{ tier: 'full' }, table().hosts_full],
    ]);
    this.#gauge('floodwatch_hosts_protected', 'Hosts at or over counters.protect_fraction of a threshold, never evicted to make room', [], () => [
      [{}, table().hosts_protected],
    ]);
    this.#gauge('floodwatch_host_table_memory_bytes', 'Heap bytes the host counter table holds', [], () => [[{}, table().memory_bytes]]);
    this.#counter('floodwatch_host_promotions_total', 'Hosts promoted from the compact tier to full counters', [], () => [[{}, table().promotions]]);
    this.#counter('floodwatch_hosts_refused_total', 'New hosts not counted (only in the totals) because the table was full of protected hosts', [], () => [
      [{}, table().hosts_refused],
    ]);
    this.#counter('floodwatch_host_evictions_total', 'Hosts evicted from the counter table: idle, or to make room when it was full', ['reason'], () => [
      [{ reason: 'idle' }, table().evictions_idle],
      [{ reason: 'full' }, table().evictions_full],
    ]);
    this.#counter('floodwatch_engine_ticks_total', 'Engine ticks (speed updates and threshold checks)', [], () => [[{}, table().ticks]]);
    this.#gauge('floodwatch_engine_tick_duration_seconds', 'How long the last engine tick took', [], () => [[{}, table().last_tick_duration_us / 1e6]]);
  }

  #sourceMetrics(): void {
    const exporters = () => this.#engine().sources.exporters;
    const perExporter = (read: (e: Snapshot['sources']['exporters'][number]) => number) => (): Sample[] =>
      exporters().map((e) => [{ exporter: e.exporter }, read(e)]);
    // The row that sums the exporters not listed one by one is no exporter of its own.
    const OTHER = 'other';
    this.#gauge('floodwatch_exporter_info', 'Each flow exporter listed (the busiest 256), with the format it sends', ['exporter', 'format'], () =>
      exporters()
        .filter((e) => e.exporter !== OTHER)
        .map((e) => [{ exporter: e.exporter, format: e.format ?? 'unknown' }, 1]),
    );
    this.#counter(
      'floodwatch_exporter_datagrams_total',
      'Datagrams received per exporter',
      ['exporter'],
      perExporter((e) => e.datagrams),
    );
    this.#counter(
      'floodwatch_exporter_datagrams_decoded_total',
      'Datagrams decoded per exporter',
      ['exporter'],
      perExporter((e) => e.decoded),
    );
    this.#counter(
      'floodwatch_exporter_records_total',
      'Flow records (or samples) decoded per exporter',
      ['exporter'],
      perExporter((e) => e.records),
    );
    this.#counter('floodwatch_exporter_dropped_total', 'Datagrams or records dropped per exporter, by reason', ['exporter', 'reason'], () =>
      exporters().flatMap((e) => Object.entries(e.dropped).map(([reason, n]): Sample => [{ exporter: e.exporter, reason }, n])),
    );
    this.#gauge(
      'floodwatch_exporter_templates',
      'NetFlow v9 / IPFIX templates held per exporter',
      ['exporter'],
      perExporter((e) => e.templates),
    );
    this.#gauge(
      'floodwatch_exporter_sampling_rate',
      'Sampling rate applied per exporter (1 in N)',
      ['exporter'],
      perExporter((e) => e.sampling_rate),
    );
    this.#flowDecoderMetrics();
    this.#mirrorMetrics();
    this.#counter(
      'floodwatch_listener_kernel_drops_total',
      'Datagrams the kernel dropped before floodwatch read them, per listening socket',
      ['listener', 'worker'],
      () => this.#engine().sources.listeners.map((l) => [{ listener: l.address, worker: String(l.worker) }, l.kernel_drops]),
    );
  }

  #flowDecoderMetrics(): void {
    const flow = () => this.#engine().sources.flow;
    const one = (read: (f: FlowSourcesState) => number) => (): Sample[] => [[{}, read(flow())]];
    this.#gauge(
      'floodwatch_flow_exporters_other',
      'Exporters not listed one by one (beyond the busiest 256): their counters are summed under exporter="other"',
      [],
      one((f) => f.other_exporters),
    );
    this.#gauge(
      'floodwatch_flow_exporters',
      'Exporters (address and port) the flow decoders hold state for',
      [],
      one((f) => f.exporters),
    );
    this.#counter(
      'floodwatch_flow_exporter_evictions_total',
      'Exporters the flow decoders forgot: idle, or to make room when full (their counters stay in exporter="other")',
      ['reason'],
      () => [
        [{ reason: 'idle' }, flow().exporter_evictions_idle],
        [{ reason: 'full' }, flow().exporter_evictions_full],
      ],
    );
    this.#counter(
      'floodwatch_flow_template_evictions_total',
      'NetFlow v9 / IPFIX templates forgotten to stay within the template memory budget',
      [],
      one((f) => f.template_evictions),
    );
    this.#gauge(
      'floodwatch_flow_template_bytes',
      'Memory the NetFlow v9 / IPFIX templates take',
      [],
      one((f) => f.template_bytes),
    );
    this.#gauge(
      'floodwatch_flow_held_bytes',
      'Memory the data sets waiting for their template take',
      [],
      one((f) => f.held_bytes),
    );
    this.#gauge(
      'floodwatch_sflow_agent_interfaces',
      'sFlow agent interfaces whose counters are kept (at most 4096)',
      [],
      one((f) => f.agent_interfaces),
    );
    this.#counter(
      'floodwatch_sflow_agent_interface_evictions_total',
      'sFlow agent interfaces forgotten, or not kept, for lack of room',
      [],
      one((f) => f.agent_interface_evictions),
    );
  }

  #mirrorMetrics(): void {
    const sources = () => this.#engine().sources;
    const perSource = (read: (m: MirrorState) => number) => (): Sample[] => sources().mirrors.map((m) => [{ source: m.name }, read(m)]);
    this.#gauge('floodwatch_mirror_port_info', 'Each mirror port captured, with its engine and how it was opened', ['interface', 'engine', 'detail'], () =>
      sources().mirror_ports.map((p) => [{ interface: p.interface, engine: p.engine, detail: p.detail }, 1]),
    );
    this.#counter(
      'floodwatch_mirror_packets_total',
      'Frames captured per mirror source (AF_PACKET fanout member, AF_XDP queue)',
      ['source'],
      perSource((m) => m.packets),
    );
    this.#counter(
      'floodwatch_mirror_bytes_total',
      'Bytes of the frames captured per mirror source',
      ['source'],
      perSource((m) => m.bytes),
    );
    this.#counter(
      'floodwatch_mirror_kernel_drops_total',
      'Frames the kernel dropped before floodwatch read them, per mirror source',
      ['source'],
      perSource((m) => m.kernel_drops),
    );
    this.#counter(
      'floodwatch_mirror_ring_full_total',
      'Times the capture ring had no room (AF_PACKET: ring frozen; AF_XDP: fill ring empty), per mirror source',
      ['source'],
      perSource((m) => m.ring_full),
    );
    this.#counter(
      'floodwatch_mirror_unparsed_total',
      'Frames that are not IP or do not parse, per mirror source',
      ['source'],
      perSource((m) => m.unparsed),
    );
    this.#counter(
      'floodwatch_mirror_errors_total',
      'Errors a mirror source met (an interface gone down), per source',
      ['source'],
      perSource((m) => m.errors),
    );
  }

  #stateMetrics(): void {
    const context = this.#context;
    this.#gauge('floodwatch_bans_active', 'Hosts banned now', [], () => [[{}, context.bans.list().length]]);
    this.#gauge('floodwatch_attacks_active', 'Attacks under way', [], () => [[{}, context.activeAttacks().length]]);
    this.#gauge('floodwatch_attacks_recorded', 'Attack records in the state directory', [], () => [[{}, context.store.attackIds().length]]);
    const health = () => context.store.health();
    this.#counter(
      'floodwatch_state_write_failures_total',
      'Writes to the state directory that failed (retries included); the error log names the file',
      [],
      () => [[{}, health().writeFailures]],
    );
    this.#gauge(
      'floodwatch_state_failing',
      '1 while the last write to the state directory failed or bans or attack records wait in memory to be saved; detection and bans go on',
      [],
      () => {
        const h = health();
        return [[{}, h.lastFailure || h.bansHeld || h.attacksHeld > 0 ? 1 : 0]];
      },
    );
    this.#gauge('floodwatch_state_held_attacks', 'Attack records held in memory until the state directory takes them', [], () => [[{}, health().attacksHeld]]);
    this.#counter(
      'floodwatch_state_dropped_attacks_total',
      'Attack records lost: more were waiting in memory for a failing state directory than it holds',
      [],
      () => [[{}, health().attacksDropped]],
    );
    this.#counter(
      'floodwatch_detection_failures_total',
      'Hosts whose violation or attack follow-up failed in a tick (logged with the host); the other hosts went on',
      [],
      () => [[{}, context.detectionFailures?.() ?? 0]],
    );
  }

  #actionMetrics(): void {
    const perAction = (read: (c: ReturnType<ApiContext['actionCounters']>[string]) => number) => (): Sample[] =>
      Object.entries(this.#context.actionCounters()).map(([action, counters]) => [{ action }, read(counters)]);
    this.#counter(
      'floodwatch_action_successes_total',
      'Events an action delivered',
      ['action'],
      perAction((c) => c.successes),
    );
    this.#counter(
      'floodwatch_action_failures_total',
      'Events an action gave up on after its last attempt',
      ['action'],
      perAction((c) => c.failures),
    );
    this.#counter(
      'floodwatch_action_retries_total',
      'Attempts that failed and were tried again',
      ['action'],
      perAction((c) => c.retries),
    );
    this.#counter(
      'floodwatch_action_dropped_total',
      'Events refused because too many were waiting',
      ['action'],
      perAction((c) => c.dropped),
    );
    this.#gauge(
      'floodwatch_action_pending',
      'Events waiting or in progress',
      ['action'],
      perAction((c) => c.pending),
    );
  }

  /** Each integration's own metrics, as its definition declares them (none while it is off), and the cluster role's. */
  #integrationMetrics(): void {
    for (const metrics of [...(INTEGRATIONS as readonly IntegrationDefinition[]).map((i) => i.metrics ?? []), CLUSTER_METRICS]) {
      for (const metric of metrics) {
        const read = (): Sample[] => this.#context.integrationMetrics?.()[metric.name] ?? [];
        if (metric.type === 'counter') this.#counter(metric.name, metric.help, [...metric.labels], read);
        else this.#gauge(metric.name, metric.help, [...metric.labels], read);
      }
    }
  }

  #apiConnectionMetrics(connections: ConnectionStats): void {
    this.#gauge('floodwatch_api_connections_open', 'REST API connections open now', [], () => [[{}, connections.open()]]);
    this.#gauge(
      'floodwatch_api_connections_max',
      'REST API connections allowed at once (api.max_connections, less when the open-files limit is low)',
      [],
      () => [[{}, connections.max()]],
    );
    this.#counter('floodwatch_api_connections_refused_total', 'REST API connections closed on arrival because as many as allowed were open', [], () => [
      [{}, connections.refused()],
    ]);
  }

  #gauge(name: string, help: string, labelNames: string[], read: () => Sample[]): void {
    new Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [labels, value] of read()) this.set(labels, value);
      },
    });
  }

  #counter(name: string, help: string, labelNames: string[], read: () => Sample[]): void {
    new Counter({
      name,
      help,
      labelNames,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [labels, value] of read()) this.inc(labels, value);
      },
    });
  }
}
