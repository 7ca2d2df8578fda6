// The parts of the configuration that SIGHUP reloads: thresholds, hostgroups, whitelist, ban
// settings and actions.
import type { Logger } from 'pino';
import { ActionDispatcher, createActions, isLongRunning, type BgpActionDeps, type LongRunningAction } from '../actions/index.js';
import type { Ban } from '../attacks/types.js';
import type { FloodwatchConfig } from '../config/schema.js';
import { compileThresholds } from '../detection/compile.js';
import { DEFAULT_DETECTION_TIMING, type DetectionPolicy } from '../detection/detector.js';
import { PrefixList } from '../detection/prefix-list.js';
import type { CompiledThresholds } from '../engine/types.js';

export interface ReloadablePolicy {
  detection: DetectionPolicy;
  thresholds: CompiledThresholds;
  banTimeSeconds: number;
  unbanOnlyIfAttackFinished: boolean;
  dispatcher: ActionDispatcher;
  /** Actions with a loop of their own, started and stopped with the policy. */
  longRunning: LongRunningAction[];
  /** The actions a hostgroup's events go to; undefined = every enabled action. */
  actionsFor(hostgroup: string): readonly string[] | undefined;
}

/** What the policy's BGP actions read of the daemon's state. */
export interface PolicyState {
  bans(): Ban[];
  attackOf: BgpActionDeps['attackOf'];
}

export function buildDetectionPolicy(config: FloodwatchConfig): DetectionPolicy {
  const hostgroups = new Map(config.hostgroups.map((g) => [g.name, g]));
  return {
    whitelist: new PrefixList(config.whitelist),
    bans: (name) => config.ban.enabled && (hostgroups.get(name)?.ban ?? true),
    ...DEFAULT_DETECTION_TIMING,
  };
}

export function buildPolicy(config: FloodwatchConfig, log: Logger, state: PolicyState): ReloadablePolicy {
  const hostgroups = new Map(config.hostgroups.map((g) => [g.name, g]));
  const actionsFor = (name: string) => hostgroups.get(name)?.actions;
  const bgp: BgpActionDeps = {
    activeBans: (action) => state.bans().filter((ban) => actionsFor(ban.hostgroup)?.includes(action) ?? true),
    attackOf: state.attackOf,
    // A host in no hostgroup follows the action's own flowspec switch.
    flowspecFor: (name) => hostgroups.get(name)?.flowspec ?? true,
  };
  const actions = createActions(config.actions, log, { bgp });
  return {
    detection: buildDetectionPolicy(config),
    thresholds: compileThresholds(config),
    banTimeSeconds: config.ban.time_seconds,
    unbanOnlyIfAttackFinished: config.ban.unban_only_if_attack_finished,
    dispatcher: new ActionDispatcher(actions, log),
    longRunning: actions.filter(isLongRunning),
    actionsFor,
  };
}
