// The parts of the configuration that SIGHUP reloads: thresholds, hostgroups, whitelist, ban
// settings and actions.
import type { Logger } from 'pino';
import { ActionDispatcher, createActions } from '../actions/index.js';
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
  /** The actions a hostgroup's events go to; undefined = every enabled action. */
  actionsFor(hostgroup: string): readonly string[] | undefined;
}

export function buildDetectionPolicy(config: FloodwatchConfig): DetectionPolicy {
  const hostgroups = new Map(config.hostgroups.map((g) => [g.name, g]));
  return {
    whitelist: new PrefixList(config.whitelist),
    bans: (name) => config.ban.enabled && (hostgroups.get(name)?.ban ?? true),
    ...DEFAULT_DETECTION_TIMING,
  };
}

export function buildPolicy(config: FloodwatchConfig, log: Logger): ReloadablePolicy {
  const hostgroups = new Map(config.hostgroups.map((g) => [g.name, g]));
  return {
    detection: buildDetectionPolicy(config),
    thresholds: compileThresholds(config),
    banTimeSeconds: config.ban.time_seconds,
    unbanOnlyIfAttackFinished: config.ban.unban_only_if_attack_finished,
    dispatcher: new ActionDispatcher(createActions(config.actions, log), log),
    actionsFor: (name) => hostgroups.get(name)?.actions,
  };
}
