// `floodwatch run --role sensor|detector`: what the role adds to the daemon, from the cluster section.
import type { Logger } from 'pino';
import { ConfigError } from '../config/errors.js';
import type { FlowEngine } from '../engine/index.js';
import { clusterSettings, type ClusterConfig, type Role } from './config.js';
import { AggregatesDetector } from './detector.js';
import type { ClusterMetricValues } from './metrics.js';
import { AggregatesSensor } from './sensor.js';

export interface ClusterRole {
  readonly role: Role;
  start(): void;
  stop(): Promise<void>;
  metricValues(): ClusterMetricValues;
}

/** The role's Kafka side; throws, naming the file and key, when the cluster section is missing. */
export function clusterRole(role: Role, config: ClusterConfig | undefined, source: string, engine: FlowEngine, log: Logger, tickMs: number): ClusterRole {
  if (!config) throw new ConfigError(source, [{ where: 'cluster', reason: `floodwatch run --role ${role} needs this section, with cluster.brokers at least (see config/floodwatch.example.yaml)` }]);
  const settings = clusterSettings(config);
  const member = role === 'sensor' ? new AggregatesSensor(settings, engine, log, tickMs) : new AggregatesDetector(settings, engine, log);
  return {
    role,
    start: () => member.start(),
    stop: () => member.stop(),
    metricValues: () => member.metricValues(),
  };
}
