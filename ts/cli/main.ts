#!/usr/bin/env node
// The floodwatch command line.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { attacksCommand } from './attacks.js';
import { banCommand, bansCommand, unbanCommand } from './bans.js';
import { checkConfigCommand } from './check-config.js';
import { importFastnetmonCommand } from './import-fastnetmon.js';
import { replayCommand } from './replay.js';
import { runCommand } from './run.js';
import { topCommand } from './top.js';

function version(): string {
  const pkg = JSON.parse(readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8'));
  return pkg.version as string;
}

const USAGE = `usage: floodwatch <command>

commands:
  run [--config FILE]                 start the collector and detector
  check-config [--config FILE]        validate a configuration without starting
  replay FILE.pcap [--config FILE]    offline detection of a capture, attacks as JSON lines
  import-fastnetmon FASTNETMON.CONF [--networks FILE] [--whitelist FILE]
                                      print the equivalent floodwatch configuration
  ban IP [--ttl S] [--comment C] [--force]   ban a host through the running daemon
  unban IP                            lift a ban
  bans [--json]                       list the bans
  attacks [--limit N] [--json]        list the attacks recorded
  top                                 live view of the top hosts, totals and bans
  --version                           print the version

The commands that talk to the daemon find its API from --url, FLOODWATCH_URL or --config
(api.listen), and take a token from --token, FLOODWATCH_API_TOKEN or the config.
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case '--version':
    case '-v':
      console.log(version());
      return 0;
    case 'run':
      return runCommand(rest, version());
    case 'check-config':
      return checkConfigCommand(rest);
    case 'replay':
      return replayCommand(rest);
    case 'import-fastnetmon':
      return importFastnetmonCommand(rest);
    case 'ban':
      return banCommand(rest);
    case 'unban':
      return unbanCommand(rest);
    case 'bans':
      return bansCommand(rest);
    case 'attacks':
      return attacksCommand(rest);
    case 'top':
      return topCommand(rest);
    case undefined:
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`floodwatch: unknown command '${command}'\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`floodwatch: ${(err as Error).message}\n`);
    process.exitCode = 1;
  },
);
