#!/usr/bin/env node
// The floodwatch command line.
import { Command } from 'commander';
import { attackCli } from './attack.js';
import { attacksCli } from './attacks.js';
import { banCli, bansCli, unbanCli } from './bans.js';
import { checkConfigCli } from './check-config.js';
import { exitOk, runProgram } from './commander.js';
import { hostCli } from './host.js';
import { importFastnetmonCli } from './import-fastnetmon/command.js';
import { replayCli } from './replay.js';
import { runCli } from './run.js';
import { topCli } from './top.js';
import { packageVersion } from '../package-version.js';
import { versionText } from './version.js';

function program(): Command {
  const floodwatch = new Command('floodwatch')
    .description('Finds the hosts that send or receive a flood of traffic, and acts on them.')
    .usage('COMMAND [OPTIONS]')
    .option('-v, --version', "print floodwatch's version and the engine's build")
    .on('option:version', () => {
      process.stdout.write(versionText());
      exitOk('commander.version');
    })
    .addHelpText(
      'after',
      '\nThe commands that talk to the daemon find its API from --url, FLOODWATCH_URL or --config\n' +
        '(api.listen), and take a token from --token, FLOODWATCH_API_TOKEN or the config.\n' +
        '`floodwatch help COMMAND` or `floodwatch COMMAND --help` tells more about one.',
    );
  for (const command of [
    runCli(packageVersion()),
    checkConfigCli(),
    replayCli(),
    importFastnetmonCli(),
    banCli(),
    unbanCli(),
    bansCli(),
    attacksCli(),
    attackCli(),
    hostCli(),
    topCli(),
  ]) {
    floodwatch.addCommand(command);
  }
  return floodwatch;
}

runProgram(program(), process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`floodwatch: ${(err as Error).message}\n`);
    process.exitCode = 1;
  },
);
