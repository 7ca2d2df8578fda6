// One frame of the dashboard's live stream: what the page redraws every second. Built once per
// tick from one engine snapshot and sent, as the same JSON text, to every open page.
import type { AttackRecord, Ban } from '../../attacks/types.js';
import type { Direction, DirectionCounters, DirectionLimits, HostCounters, Metric, ProtocolClass, Sources, TableStats } from '../../engine/index.js';
import type { ApiContext } from '../context.js';
import type { HealthCheck, HealthReport } from '../health.js';

/** Top talkers per direction and metric sent in a frame. */
export const FRAME_TOP_HOSTS = 20;
/** Bans sent in a frame; the page reads GET /api/v1/bans for the rest. */
export const FRAME_BANS = 200;

const DIRECTIONS: Direction[] = ['incoming', 'outgoing'];
const METRICS: Metric[] = ['pps', 'bps', 'flows'];

export interface Rates {
  pps: number;
  bps: number;
  flows: number;
  protocols: Record<ProtocolClass, { pps: number; bps: number }>;
}

export interface TopRow {
  ip: string;
  hostgroup: string;
  pps: number;
  bps: number;
  flows: number;
}

export interface LiveFrame {
  /** When the frame was built, ms since the epoch. */
  at: number;
  totals: Record<'incoming' | 'outgoing' | 'internal' | 'other', Rates>;
  top: Record<Direction, Record<Metric, TopRow[]>>;
  attacks: AttackRecord[];
  bans: { count: number; list: Ban[] };
  sources: Omit<Sources, 'agents'>;
  table: TableStats;
  health: HealthReport;
  /** Every configured hostgroup (global first) with its prefixes, ban switch and thresholds (read-only). */
  thresholds: { hostgroup: string; prefixes: string[]; ban: boolean | null; incoming: DirectionLimits; outgoing: DirectionLimits }[];
}

export function buildFrame(context: ApiContext, health: HealthCheck, now = Date.now()): LiveFrame {
  const snapshot = context.engine.snapshot(FRAME_TOP_HOSTS);
  const { agents: _agents, ...sources } = snapshot.sources;
  const bans = context.bans.list();
  const rows = (hosts: HostCounters[], direction: Direction) =>
    hosts.map((host) => ({
      ip: host.ip,
      hostgroup: context.groupOf(host.ip),
      pps: host[direction].pps,
      bps: host[direction].bps,
      flows: host[direction].flows,
    }));
  const top = Object.fromEntries(
    DIRECTIONS.map((direction) => [direction, Object.fromEntries(METRICS.map((metric) => [metric, rows(snapshot.top[direction][metric], direction)]))]),
  ) as LiveFrame['top'];
  const { totals } = snapshot;
  const attacks = context.activeAttacks();
  const configured = context.hostgroups?.() ?? [{ name: 'global', prefixes: [], ban: null }];
  const thresholdsOf = context.thresholdsOf;
  return {
    at: now,
    totals: { incoming: rates(totals.incoming), outgoing: rates(totals.outgoing), internal: rates(totals.internal), other: rates(totals.other) },
    top,
    attacks,
    bans: { count: bans.length, list: bans.slice(0, FRAME_BANS) },
    sources,
    table: snapshot.table,
    health: health.report(),
    thresholds: thresholdsOf ? configured.map(({ name, prefixes, ban }) => ({ hostgroup: name, prefixes, ban, ...thresholdsOf(name) })) : [],
  };
}

function rates(counters: DirectionCounters): Rates {
  const protocols = Object.fromEntries(Object.entries(counters.protocols).map(([name, p]) => [name, { pps: p.pps, bps: p.bps }]));
  return { pps: counters.pps, bps: counters.bps, flows: counters.flows, protocols: protocols as Rates['protocols'] };
}
