// `floodwatch run [--config FILE]`: the daemon, until SIGINT or SIGTERM; SIGHUP reloads.
import { Command, Option } from 'commander';
import { ROLES, type Role } from '../cluster/config.js';
import { logOpenFilesLimit } from '../api/descriptors.js';
import { loadCheckedRunConfig, SYSTEM_CONFIG_PATH } from '../config/default-paths.js';
import { ConfigError } from '../config/load.js';
import { configWarnings } from '../config/warnings.js';
import { Daemon } from '../daemon/daemon.js';
import { createLogger } from '../log.js';
import { onRun } from './commander.js';

export function runCli(version: string): Command {
  const command = new Command('run')
    .summary('start the collector and detector')
    .description('Starts the collector and detector, until SIGINT or SIGTERM; SIGHUP reloads the configuration.')
    .usage('[--config FILE] [--role sensor|detector]')
    .option(
      '--config <FILE>',
      `the configuration (default: ${SYSTEM_CONFIG_PATH} when present, else the embedded default, which says so in its first log lines)`,
    )
    .addOption(
      new Option(
        '--role <ROLE>',
        "scale-out over Kafka (the cluster section): a sensor publishes per-host aggregates, detectors detect on all the sensors' figures; without it one process does everything",
      ).choices(ROLES),
    );
  return onRun(command, () => {
    const { config, role } = command.opts<{ config?: string; role?: Role }>();
    return runDaemon(config, version, role);
  });
}

async function runDaemon(configPath: string | undefined, version: string, role?: Role): Promise<number> {
  let loaded;
  try {
    ({ configPath, loaded } = await loadCheckedRunConfig(configPath));
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 1;
    }
    throw err;
  }
  const { exabgp } = loaded.config.actions;
  // Run as an ExaBGP process, floodwatch's standard output carries ExaBGP API commands.
  const log = createLogger({ toStderr: exabgp.enabled && exabgp.mode === 'stdout' });
  log.info({ version, ...(role && { role }) }, 'floodwatch starting');
  for (const warning of configWarnings(loaded.config, loaded.source)) log.warn({ config: loaded.source }, warning);
  logOpenFilesLimit(log);
  let daemon: Daemon;
  try {
    daemon = await Daemon.start({ configPath, log, loaded, role });
  } catch (err) {
    // The cluster section a --role needs.
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    return 1;
  }
  process.on('SIGHUP', () => {
    daemon.reload().catch((err: Error) => log.error({ error: err.message }, 'reload refused: the running configuration stays in force'));
  });
  await new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      log.info({ signal }, 'stopping');
      resolve();
    };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
    // Run by ExaBGP, floodwatch stops with it: ExaBGP starts its processes again when it restarts.
    if (exabgp.enabled && exabgp.mode === 'stdout') process.stdin.once('end', () => shutdown('ExaBGP closed standard input'));
  });
  await daemon.stop();
  // What an action left open (a connection to an SMTP server that does not answer) must not keep
  // the process up once the daemon has stopped.
  setTimeout(() => {
    log.warn('exiting with connections of the actions still open');
    process.exit(0);
  }, EXIT_GRACE_MS).unref();
  log.info('stopped');
  return 0;
}

/** After the daemon has stopped, how long the process may take to end on its own. */
const EXIT_GRACE_MS = 500;
