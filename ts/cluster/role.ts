// `floodwatch run --role sensor|detector`: what the role adds to the daemon, from the cluster section.
import type { Logger } from 'pino';
import { ConfigError } from '../config/errors.js';
import type { BanManager } from '../bans/manager.js';
import type { FlowEngine } from '../engine/index.js';
import type { IntegrationEvent } from '../integrations/types.js';
import { AttackLedger, type RecordedAttack } from './attacks.js';
import { BanLedger, type LedgerEntry } from './bans.js';
import { clusterSettings, type ClusterConfig, type Role } from './config.js';
import { AggregatesDetector } from './detector.js';
import type { ClusterMetricValues } from './metrics.js';
import { AggregatesSensor } from './sensor.js';
import { TotalsReader } from './totals.js';

export interface ClusterRole {
  readonly role: Role;
  start(): void;
  stop(): Promise<void>;
  metricValues(): ClusterMetricValues;
  /** Every event of this member: its bans and unbans for the bans topic, its attack records for the attacks topic. */
  record(event: IntegrationEvent): void;
  /** What every member holds, for this member's REST API. */
  readonly view: ClusterView;
}

/** The cluster's bans and attacks as this member reads them from the cluster's topics. */
export interface ClusterView {
  /** This member's cluster.name. */
  readonly name: string;
  /** Every ban the bans topic holds, with the member that wrote it last. */
  bans(): LedgerEntry[];
  /** The newest attack records of every member (this one's too), newest first. */
  attacks(): RecordedAttack[];
}

/** How often a detector looks for bans of its hosts it does not hold (a takeover, a ban made through another member). */
const ADOPT_INTERVAL_MS = 1000;

/** The role's Kafka side; throws, naming the file and key, when the cluster section is missing. */
export function clusterRole(
  role: Role,
  config: ClusterConfig | undefined,
  source: string,
  engine: FlowEngine,
  bans: BanManager,
  log: Logger,
  tickMs: number,
): ClusterRole {
  if (!config)
    throw new ConfigError(source, [
      { where: 'cluster', reason: `floodwatch run --role ${role} needs this section, with cluster.brokers at least (see config/floodwatch.example.yaml)` },
    ]);
  const settings = clusterSettings(config);
  const ledger = new BanLedger(settings, log);
  const attacks = new AttackLedger(settings, log);
  ledger.onLifted({ lifted: (ip, by) => bans.unban(ip, `unbanned on ${by}`) });
  bans.onExtended((ban) => ledger.extended(ban));
  const sensor = role === 'sensor' ? new AggregatesSensor(settings, engine, log, tickMs) : null;
  const detector = role === 'detector' ? new AggregatesDetector(settings, engine, log) : null;
  const totals = role === 'detector' ? new TotalsReader(settings, engine, log) : null;
  // A ban or unban of a host another member owns (every host, on a sensor) goes to it through the topic.
  bans.setOwners({ owns: (ip) => detector?.owns(ip) ?? false, held: (ip) => ledger.held(ip), send: (ban, kind) => ledger.send(ban, kind) });
  let timer: NodeJS.Timeout | null = null;
  /** Unbans of bans handed over: not lifted in the bans topic, where the new owner holds them. */
  const handingOver = new Set<string>();
  const adopt = () => {
    if (!detector || !ledger.connected) return;
    for (const { ban, by } of ledger.entries()) if (detector.owns(ban.ip)) bans.adopt(ban, by);
  };
  // A detector whose partitions moved to another hands the bans of their hosts over.
  const handOver = () => {
    if (!detector) return;
    for (const ban of bans.list()) {
      if (detector.owns(ban.ip)) continue;
      handingOver.add(ban.ip);
      try {
        bans.handOver(ban.ip, 'the detector of its partition');
      } finally {
        handingOver.delete(ban.ip);
      }
    }
  };
  return {
    role,
    start: () => {
      void ledger.start();
      void attacks.start();
      sensor?.start();
      if (detector) {
        detector.onAssigned(() => {
          handOver();
          adopt();
        });
        detector.start();
        void totals!.start();
        timer = setInterval(adopt, ADOPT_INTERVAL_MS);
      }
    },
    stop: async () => {
      if (timer) clearInterval(timer);
      await Promise.all([sensor?.stop(), detector?.stop(), totals?.stop()]);
      await Promise.all([ledger.stop(), attacks.stop()]);
    },
    metricValues: () => ({ ...(sensor ?? detector)!.metricValues(), ...totals?.metricValues() }),
    record: (event) => {
      if (!(event.kind === 'unban' && handingOver.has(event.ip))) ledger.record(event);
      attacks.record(event);
    },
    view: { name: settings.name, bans: () => ledger.entries(), attacks: () => attacks.entries() },
  };
}
