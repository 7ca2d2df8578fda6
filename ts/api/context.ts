// What the REST API reads and changes: the daemon hands it this, nothing more.
import type { Logger } from 'pino';
import type { ActionCounters } from '../integrations/dispatcher.js';
import type { MetricSample } from '../integrations/types.js';
import type { AttackRecord } from '../attacks/types.js';
import type { BanManager } from '../bans/manager.js';
import type { ClusterView } from '../cluster/role.js';
import type { FlowEngine } from '../engine/index.js';
import type { DirectionLimits } from '../engine/index.js';
import type { StateStore } from '../state/store.js';

export interface ApiContext {
  engine: Pick<FlowEngine, 'snapshot' | 'host' | 'top' | 'sources'>;
  bans: BanManager;
  store: StateStore;
  /** The hostgroup an address belongs to ('global' for none). */
  groupOf(ip: string): string;
  isMonitored(ip: string): boolean;
  isWhitelisted(ip: string): boolean;
  /** The configured ban time, for bans made without a ttl. */
  banTimeSeconds(): number;
  /** Attacks under way (not yet ended), newest last. */
  activeAttacks(): AttackRecord[];
  /** Violations and attack follow-ups that failed, each alone (the daemon counts them). */
  detectionFailures?(): number;
  actionCounters(): Record<string, ActionCounters>;
  /** The enabled integrations' own metrics, by metric name. */
  integrationMetrics?(): Record<string, MetricSample[]>;
  /** The configured hostgroups (global first, with no prefixes of its own), as the running configuration has them. */
  hostgroups?(): { name: string; prefixes: string[]; ban: boolean }[];
  /** When detection last ticked (ms since the epoch), and how often it should. */
  engineTick?(): { lastAt: number | null; intervalMs: number };
  /** The thresholds that apply to a hostgroup's hosts. */
  thresholdsOf?(hostgroup: string): { incoming: DirectionLimits; outgoing: DirectionLimits };
  /** In a cluster (--role): every member's bans and attacks, from the cluster's topics. */
  cluster?: ClusterView;
  log: Logger;
}
