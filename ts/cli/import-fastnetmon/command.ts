// `floodwatch import-fastnetmon FASTNETMON.CONF [--networks FILE] [--whitelist FILE]`: prints the
// floodwatch configuration equivalent to a FastNetMon one; what it cannot carry goes to stderr.
import { access, constants, readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { ConfigError, describeReadError, formatProblem } from '../../config/errors.js';
import { FASTNETMON_DEFAULT_PATHS, importFastnetmon, type PrefixListFile } from './import.js';
import { renderImportReport } from './report.js';
import { parseFastnetmonConf } from './conf.js';
import { parseConfig } from '../../config/load.js';
import { UsageError } from '../client.js';
import { onRun, runCommandLine } from '../commander.js';

/** The imported file is checked as a file: whatever this shell's FLOODWATCH_API_TOKEN holds. */
const NO_ENVIRONMENT: NodeJS.ProcessEnv = {};

export function importFastnetmonCli(): Command {
  const command = new Command('import-fastnetmon')
    .summary("print the floodwatch configuration equivalent to FastNetMon's")
    .description(
      'Prints the equivalent floodwatch configuration (YAML) on standard output, and on standard error\n' +
        'what could not be carried over and why. The networks and whitelist come from the files the\n' +
        'configuration names (networks_list_path, white_list_path) unless --networks / --whitelist say otherwise.',
    )
    .usage('FASTNETMON.CONF [--networks FILE] [--whitelist FILE] [--verbose]')
    .argument('[FASTNETMON.CONF]', "FastNetMon's configuration file")
    .allowExcessArguments()
    .option('--networks <FILE>', 'the monitored networks, one prefix a line (default: networks_list_path)')
    .option('--whitelist <FILE>', 'the hosts never banned, one prefix a line (default: white_list_path)')
    .option('--verbose', 'list every note and every key not carried with its reason, instead of a summary')
    .addHelpText('after', '\nExit status: 0 converted, 1 a file could not be read, 2 wrong usage.');
  return onRun(command, () => importFastnetmonFiles(parseArgs(command)));
}

export const importFastnetmonCommand = (args: string[]) => runCommandLine(importFastnetmonCli(), args);

interface ImportArgs {
  conf: string;
  networks?: string;
  whitelist?: string;
  verbose: boolean;
}

function parseArgs(command: Command): ImportArgs {
  const [conf, extra] = command.args;
  if (conf === undefined) throw new UsageError("FastNetMon's configuration file is missing");
  if (extra !== undefined) throw new UsageError(`unexpected argument '${extra}'`);
  const { networks, whitelist, verbose } = command.opts<{ networks?: string; whitelist?: string; verbose?: boolean }>();
  return { conf, networks, whitelist, verbose: verbose ?? false };
}

async function importFastnetmonFiles(parsed: ImportArgs): Promise<number> {
  let confText: string;
  try {
    confText = await readFile(parsed.conf, 'utf8');
  } catch (error) {
    process.stderr.write(`${parsed.conf}: ${describeReadError(error)}\n`);
    return 1;
  }
  const conf = parseFastnetmonConf(confText);
  const networks = await readPrefixList(parsed.networks, conf.values.get('networks_list_path') ?? FASTNETMON_DEFAULT_PATHS.networks_list_path);
  const whitelist = await readPrefixList(parsed.whitelist, conf.values.get('white_list_path') ?? FASTNETMON_DEFAULT_PATHS.white_list_path);
  for (const file of [networks, whitelist]) {
    if (file.fromFlag && file.text === undefined) {
      process.stderr.write(`${file.path}: ${file.error}\n`);
      return 1;
    }
  }

  const result = importFastnetmon({ confPath: parsed.conf, conf, networks, whitelist });
  try {
    parseConfig(result.yaml, 'the imported configuration', NO_ENVIRONMENT);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const problems = error.problems.map((problem) => formatProblem(error.source, problem)).join('\n');
    process.stderr.write(`floodwatch import-fastnetmon: internal error, the result does not validate (please report it):\n${problems}\n`);
    return 1;
  }

  const notes = await scriptNotes(result.yaml);
  const report = renderImportReport(
    { notes: [...result.notes, ...notes], notCarried: result.notCarried, carried: result.carried.length, confPath: parsed.conf, values: conf.values },
    parsed.verbose,
  );
  process.stdout.write(result.yaml);
  process.stderr.write(`${report.join('\n')}\n`);
  return 0;
}

async function readPrefixList(flagPath: string | undefined, confPath: string): Promise<PrefixListFile> {
  const path = flagPath ?? confPath;
  try {
    return { path, fromFlag: flagPath !== undefined, text: await readFile(path, 'utf8') };
  } catch (error) {
    return { path, fromFlag: flagPath !== undefined, error: describeReadError(error) };
  }
}

/** FastNetMon skips a notify script that is missing; floodwatch would report it failing. */
async function scriptNotes(yaml: string): Promise<string[]> {
  const config = parseConfig(yaml, 'the imported configuration', NO_ENVIRONMENT);
  const { script } = config.actions;
  if (!script.enabled) return [];
  try {
    await access(script.path, constants.X_OK);
    return [];
  } catch {
    return [
      `actions.script: ${script.path} is not an executable file on this machine; FastNetMon skips a missing script, floodwatch reports each failed call: install it, or set actions.script.enabled: false`,
    ];
  }
}
