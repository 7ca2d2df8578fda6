// Where `floodwatch run` looks when not told: the system's config file, and under systemd the
// state directory the unit gives it, so that a service's state never depends on its working
// directory.
import { existsSync } from 'node:fs';
import { embeddedDefault } from './defaults.js';
import { ConfigError, loadConfig, type LoadedConfig } from './load.js';
import { machineProblems } from './machine-checks.js';

/** Read by `floodwatch run` without --config, when it exists. */
export const SYSTEM_CONFIG_PATH = '/etc/floodwatch/floodwatch.yaml';

export interface RunConfig {
  /** The file loaded (and reloaded on SIGHUP): --config, else SYSTEM_CONFIG_PATH when present. */
  configPath: string | undefined;
  loaded: LoadedConfig;
}

/**
 * The configuration `floodwatch run` starts with. Under systemd (StateDirectory= sets
 * STATE_DIRECTORY) a state_dir left at the embedded default goes to that directory,
 * /var/lib/floodwatch with the shipped unit.
 */
export async function loadRunConfig(
  configPath: string | undefined,
  { env = process.env, systemConfigPath = SYSTEM_CONFIG_PATH }: { env?: NodeJS.ProcessEnv; systemConfigPath?: string } = {},
): Promise<RunConfig> {
  const path = configPath ?? (existsSync(systemConfigPath) ? systemConfigPath : undefined);
  const loaded = await loadConfig(path);
  const serviceStateDir = env.STATE_DIRECTORY?.split(':')[0];
  if (serviceStateDir && loaded.config.state_dir === embeddedDefault().state_dir) {
    loaded.config = { ...loaded.config, state_dir: serviceStateDir };
  }
  return { configPath: path, loaded };
}

/**
 * `loadRunConfig` and the checks against this machine (state directory, notify script, log
 * level) that `run`, its reloads and `check-config` all make: one ConfigError for both kinds.
 */
export async function loadCheckedRunConfig(configPath: string | undefined): Promise<RunConfig> {
  const run = await loadRunConfig(configPath);
  const problems = machineProblems(run.loaded.config);
  if (problems.length > 0) throw new ConfigError(run.loaded.source, problems);
  return run;
}
