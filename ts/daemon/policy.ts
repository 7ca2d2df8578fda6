// The parts of the configuration that SIGHUP reloads: thresholds, hostgroups, whitelist, ban
// settings and the integrations (the `actions` section).
import type { Logger } from 'pino';
import type { AttackRecord, Ban } from '../attacks/types.js';
import type { FloodwatchConfig } from '../config/schema.js';
import { compileThresholds } from '../detection/compile.js';
import { DEFAULT_DETECTION_TIMING, type DetectionPolicy } from '../detection/detector.js';
import { PrefixSet } from '../detection/prefix-set.js';
import type { FlowEngine } from '../engine/index.js';
import type { CompiledThresholds } from '../engine/index.js';
import { createIntegrations } from '../integrations/create.js';
import { ActionDispatcher } from '../integrations/dispatcher.js';
import type { Integration, MetricSample } from '../integrations/types.js';

export interface ReloadablePolicy {
  detection: DetectionPolicy;
  thresholds: CompiledThresholds;
  banTimeSeconds: number;
  unbanOnlyIfAttackFinished: boolean;
  dispatcher: ActionDispatcher;
  integrations: Integration[];
  /** The actions a hostgroup's events go to; undefined = every enabled action. */
  actionsFor(hostgroup: string): readonly string[] | undefined;
}

/** What the integrations read of the daemon's state. */
export interface PolicyState {
  bans(): Ban[];
  /** In a cluster, the bans the other members hold. */
  heldElsewhere?(): Ban[];
  attackOf(ban: Ban): AttackRecord | null;
  engine: FlowEngine | null;
}

export function buildDetectionPolicy(config: FloodwatchConfig): DetectionPolicy {
  const hostgroups = new Map(config.hostgroups.map((g) => [g.name, g]));
  return {
    whitelist: new PrefixSet(config.whitelist),
    bans: (name) => config.ban.enabled && (hostgroups.get(name)?.ban ?? true),
    ...DEFAULT_DETECTION_TIMING,
  };
}

function actionsOfHostgroups(config: FloodwatchConfig): (hostgroup: string) => readonly string[] | undefined {
  const hostgroups = new Map(config.hostgroups.map((g) => [g.name, g]));
  return (name) => hostgroups.get(name)?.actions;
}

/** The integrations the configuration enables, built (not started). */
export function buildIntegrations(config: FloodwatchConfig, log: Logger, state: PolicyState): Promise<Integration[]> {
  const hostgroups = new Map(config.hostgroups.map((g) => [g.name, g]));
  const actionsFor = actionsOfHostgroups(config);
  return createIntegrations(config, {
    log,
    config,
    engine: state.engine,
    stateDir: config.state_dir,
    activeBans: (name) => state.bans().filter((ban) => actionsFor(ban.hostgroup)?.includes(name as never) ?? true),
    heldElsewhere: state.heldElsewhere,
    attackOf: state.attackOf,
    // A host in no hostgroup follows the action's own flowspec switch.
    flowspecFor: (name) => hostgroups.get(name)?.flowspec ?? true,
  });
}

export function buildPolicy(config: FloodwatchConfig, log: Logger, integrations: Integration[]): ReloadablePolicy {
  return {
    detection: buildDetectionPolicy(config),
    thresholds: compileThresholds(config),
    banTimeSeconds: config.ban.time_seconds,
    unbanOnlyIfAttackFinished: config.ban.unban_only_if_attack_finished,
    dispatcher: new ActionDispatcher(integrations, log),
    integrations,
    actionsFor: actionsOfHostgroups(config),
  };
}

/** The integrations' own metrics, by metric name, all integrations together. */
export function integrationMetricValues(integrations: readonly Integration[]): Record<string, MetricSample[]> {
  const out: Record<string, MetricSample[]> = {};
  for (const integration of integrations) {
    for (const [name, samples] of Object.entries(integration.metricValues?.() ?? {})) (out[name] ??= []).push(...samples);
  }
  return out;
}
