// An attack as floodwatch records, reports and acts on it.
import type { AttackType, Direction, ProtocolClass } from '../engine/index.js';

export type { AttackType } from '../engine/index.js';

/** What the threshold was on: a total, or one protocol class. */
export type ThresholdMetric = 'pps' | 'mbps' | 'flows' | `${ProtocolClass}_pps` | `${ProtocolClass}_mbps`;

export interface Rates {
  pps: number;
  mbps: number;
  flows: number;
}

export interface ProtocolBreakdown {
  /** Per protocol class: packets/s and Mbit/s at the peak. */
  [cls: string]: { pps: number; mbps: number };
}

export interface TopEntry {
  /** An address, or a port number as a string. */
  key: string;
  packets: number;
  bytes: number;
}

export interface AttackRecord {
  /** Unique, sortable: time-based. */
  id: string;
  ip: string;
  direction: Direction;
  hostgroup: string;
  /** The threshold that was crossed. */
  threshold: { metric: ThresholdMetric; value: number; observed: number };
  type: AttackType;
  started_at: string; // ISO 8601
  ended_at: string | null;
  peak: Rates;
  protocols: ProtocolBreakdown;
  top_sources: TopEntry[];
  top_source_ports: TopEntry[];
  top_destination_ports: TopEntry[];
  /** The top lists are partly estimated: from a sample of the traffic seen before the host was
   * watched (a NetFlow burst that crossed the threshold at once), each record scaled to the
   * records it stands for. */
  top_estimated?: boolean;
  /** Where the fingerprint pcap is kept, relative to the state directory, when the source gave packets. */
  pcap: string | null;
  /**
   * The host's rate in the attack's direction from its detection on, about one point a second
   * (every other point is dropped when it grows past SERIES_MAX_POINTS, so it always spans the
   * whole attack). Absent in records written before floodwatch kept it.
   */
  series?: RatePoint[];
}

export interface RatePoint {
  /** Milliseconds since the epoch. */
  at: number;
  pps: number;
  mbps: number;
}

export interface Ban {
  ip: string;
  direction: Direction;
  hostgroup: string;
  attack_id: string | null;
  banned_at: string;
  expires_at: string;
  manual: boolean;
  comment: string | null;
}
