// What SIGHUP changes on a running daemon, and what it cannot: the latter are named in the log,
// so that "configuration reloaded" never hides a setting still waiting for a restart.
import { isDeepStrictEqual } from 'node:util';
import { apiExposureProblems } from './api-exposure.js';
import { INTEGRATIONS } from '../integrations/registry.js';
import type { IntegrationDefinition } from '../integrations/types.js';
import { integrationEngineSettings } from './engine-config.js';
import { ConfigError } from './errors.js';
import type { FloodwatchConfig } from './schema.js';

/** What the log says once a reload is done. */
export const CONFIGURATION_RELOADED =
  "configuration reloaded: thresholds, hostgroups, whitelist, ban settings, actions, log level, and the API's tokens, allowed hosts and rate limit";

/** Taken on a reload: the detection policy, the actions, the log level, and the API's access settings. */
export const RELOADED_KEYS = ['log_level', 'thresholds', 'hostgroups', 'whitelist', 'ban', 'actions'] as const;
export const RELOADED_API_KEYS = ['tokens', 'allowed_hosts', 'mutations_per_minute'] as const;

/**
 * The running configuration with what a reload takes from `loaded`. Throws ConfigError when the
 * result would leave the API listening beyond loopback without a token (tokens removed while
 * api.listen, which needs a restart, stays where it is).
 */
export function reloadedConfig(running: FloodwatchConfig, loaded: FloodwatchConfig, source: string): FloodwatchConfig {
  const next = mergeReloaded(running, loaded);
  const problems = apiExposureProblems(next.api).map((problem) => ({
    ...problem,
    reason: `${problem.reason} (the API keeps listening on ${next.api.listen} until a restart)`,
  }));
  if (problems.length > 0) throw new ConfigError(source, problems);
  return next;
}

function mergeReloaded(running: FloodwatchConfig, loaded: FloodwatchConfig): FloodwatchConfig {
  const next: FloodwatchConfig = { ...running, api: { ...running.api } };
  for (const key of RELOADED_KEYS) (next as Record<string, unknown>)[key] = loaded[key];
  for (const key of RELOADED_API_KEYS) (next.api as Record<string, unknown>)[key] = loaded.api[key];
  return next;
}

/**
 * The key paths (`api.listen`, `sources.flow.listen`, ...) that differ and that a reload does not
 * take, the integrations' settings the engine reads at start included (the Kafka export's).
 */
export function settingsNeedingRestart(running: FloodwatchConfig, loaded: FloodwatchConfig): string[] {
  const paths = changedPaths(mergeReloaded(running, loaded), loaded, '', 3);
  for (const integration of INTEGRATIONS as readonly IntegrationDefinition[]) {
    if (!integration.engine) continue;
    const [before, after] = [integrationEngineSettings(running, integration.name), integrationEngineSettings(loaded, integration.name)];
    if (!isDeepStrictEqual(before, after)) paths.push(`actions.${integration.name} (the settings its engine part reads at start)`);
  }
  return paths;
}

function changedPaths(a: unknown, b: unknown, prefix: string, depth: number): string[] {
  if (isDeepStrictEqual(a, b)) return [];
  if (depth === 0 || !isMapping(a) || !isMapping(b)) return [prefix];
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  return keys.flatMap((key) => changedPaths(a[key], b[key], prefix ? `${prefix}.${key}` : key, depth - 1));
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
