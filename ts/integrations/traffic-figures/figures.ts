// What the InfluxDB and Graphite pushes send every push_seconds, read from the engine once for
// both: totals, sums per hostgroup and per monitored network (one pass over the host table, in
// the engine), the top hosts and the engine's health.
import type { FlowEngine } from '../../engine/index.js';
import type { Direction, DirectionCounters, GroupSum, HostCounters, TrafficTotals } from '../../engine/index.js';
import { groupingsOf, type GroupedConfig, type Groupings } from './groupings.js';
import { engineHealth, type EngineHealth } from './health.js';

export const RANKED_DIRECTIONS = ['incoming', 'outgoing'] as const satisfies readonly Direction[];
export const RANKED_METRICS = ['pps', 'bps'] as const;
export type RankedMetric = (typeof RANKED_METRICS)[number];

/** The hosts of one hostgroup or one monitored network, added up. */
export interface GroupFigures {
  /** The hostgroup's name, or the network's prefix as configured. */
  name: string;
  hosts: number;
  incoming: DirectionCounters;
  outgoing: DirectionCounters;
}

export interface TrafficFigures {
  /** When it was read, ms since the epoch. */
  readAt: number;
  totals: TrafficTotals;
  hostgroups: GroupFigures[];
  networks: GroupFigures[];
  /** The busiest hosts, best first, by direction and metric; as many as the largest top_hosts asked. */
  top: Record<Direction, Record<RankedMetric, HostCounters[]>>;
  health: EngineHealth;
}

/** Two pushes asking within this long share one reading. */
const SHARED_READING_MS = 250;

/**
 * Reads the figures of one engine for every push that asks; two pushes at once read once. The
 * pass over the host table runs off the JavaScript thread (FlowEngine.breakdown).
 */
export class TrafficFiguresSource {
  #groupings: Groupings;
  #last: { figures: Promise<TrafficFigures>; readAt: number; topHosts: number } | null = null;

  constructor(
    private readonly engine: FlowEngine,
    private config: GroupedConfig,
  ) {
    this.#groupings = groupingsOf(config);
  }

  read(topHosts: number, now = Date.now()): Promise<TrafficFigures> {
    const last = this.#last;
    if (last && last.topHosts >= topHosts && now - last.readAt < SHARED_READING_MS && now >= last.readAt) return last.figures;
    const figures = this.#readNow(topHosts, now);
    this.#last = { figures, readAt: now, topHosts };
    figures.catch(() => {
      if (this.#last?.figures === figures) this.#last = null;
    });
    return figures;
  }

  /** A reload's configuration: its hostgroups and networks from the next reading on. */
  useConfig(config: GroupedConfig): void {
    if (config === this.config) return;
    this.config = config;
    this.#groupings = groupingsOf(config);
    this.#last = null;
  }

  async #readNow(topHosts: number, readAt: number): Promise<TrafficFigures> {
    const snapshot = this.engine.snapshot(0);
    const { groups, top } = await this.engine.breakdown({ groupings: [this.#groupings.hostgroups.grouping, this.#groupings.networks.grouping], top: topHosts });
    const named = (names: string[], sums: GroupSum[]): GroupFigures[] => names.map((name, i) => ({ name, ...sums[i] }));
    return {
      readAt,
      totals: snapshot.totals,
      hostgroups: named(this.#groupings.hostgroups.names, groups[0]),
      networks: named(this.#groupings.networks.names, groups[1]),
      top,
      health: engineHealth(snapshot),
    };
  }
}

const sources = new WeakMap<FlowEngine, TrafficFiguresSource>();

/** The engine's one figures source, shared by the pushes. */
export function figuresSourceFor(engine: FlowEngine, config: GroupedConfig): TrafficFiguresSource {
  let source = sources.get(engine);
  if (!source) {
    source = new TrafficFiguresSource(engine, config);
    sources.set(engine, source);
  }
  source.useConfig(config);
  return source;
}

/**
 * The hosts a push sends: its top `topHosts` by pps and by bit/s in each direction, then the
 * hosts under attack (read one by one), each once.
 */
export function hostsToPush(figures: TrafficFigures, topHosts: number, underAttack: Iterable<string>, engine: FlowEngine): HostCounters[] {
  const hosts = new Map<string, HostCounters>();
  for (const direction of RANKED_DIRECTIONS) {
    for (const metric of RANKED_METRICS) {
      for (const host of figures.top[direction][metric].slice(0, topHosts)) if (!hosts.has(host.ip)) hosts.set(host.ip, host);
    }
  }
  for (const ip of underAttack) {
    if (hosts.has(ip)) continue;
    const host = engine.host(ip);
    if (host) hosts.set(host.ip, host);
  }
  return [...hosts.values()];
}
