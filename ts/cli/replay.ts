// `floodwatch replay FILE [--config FILE] [--sampling-rate N] [--decapsulate]`: offline
// detection of a pcap or pcapng file at full speed, with the file's timestamps as the clock.
// Prints each attack found as a JSON line when it ends (or when the file does); bans nothing.
// With --pcap-dir, each attack's fingerprint (its first packets) is written there as a pcap.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import type { AttackRecord } from '../attacks/types.js';
import { ConfigError, engineConfig, loadConfig } from '../config/load.js';
import { buildDetectionPolicy } from '../daemon/policy.js';
import { Detector } from '../detection/detector.js';
import { compileThresholds } from '../detection/compile.js';
import { openReplay, type Replay } from '../engine/index.js';
import { UsageError } from './client.js';
import { onRun } from './commander.js';

export function replayCli(): Command {
  const command = new Command('replay')
    .summary('offline detection of a capture, attacks as JSON lines')
    .description(
      "Offline detection of a pcap or pcapng file at full speed, with the file's timestamps as the clock.\n" +
        'Prints each attack found as a JSON line when it ends (or when the file does); bans nothing.',
    )
    .usage('FILE.pcap [--config FILE] [--sampling-rate N] [--decapsulate] [--pcap-dir DIR]')
    .argument('[FILE.pcap]', 'the capture')
    .allowExcessArguments()
    .option('--config <FILE>', 'the configuration whose networks and thresholds apply (default: the embedded default)')
    .option('--sampling-rate <N>', 'the capture holds 1 packet in N (default 1)')
    .option('--decapsulate', 'count the inner packet of tunnels (GRE, GTP-U...)')
    .option('--pcap-dir <DIR>', "write each attack's fingerprint (its first packets) there as a pcap");
  return onRun(command, () => replay(parseArgs(command)));
}

interface ReplayArgs {
  file: string;
  configPath?: string;
  samplingRate: number;
  decapsulate: boolean;
  /** Where each attack's fingerprint pcap is written, if anywhere. */
  pcapDir?: string;
}

function parseArgs(command: Command): ReplayArgs {
  const options = command.opts<{ config?: string; samplingRate?: string; decapsulate?: boolean; pcapDir?: string }>();
  const [file, extra] = command.args;
  if (file === undefined) throw new UsageError('which file? give a pcap or pcapng file');
  if (extra !== undefined) throw new UsageError(`unexpected argument '${extra}'`);
  const samplingRate = options.samplingRate === undefined ? 1 : Number(options.samplingRate);
  if (!Number.isInteger(samplingRate) || samplingRate < 1) throw new UsageError('--sampling-rate needs a whole number of at least 1');
  return { file, configPath: options.config, samplingRate, decapsulate: options.decapsulate ?? false, pcapDir: options.pcapDir };
}

async function replay(parsed: ReplayArgs): Promise<number> {
  if (!existsSync(parsed.file)) {
    process.stderr.write(`floodwatch replay: ${parsed.file} does not exist\n`);
    return 1;
  }
  let config;
  try {
    ({ config } = await loadConfig(parsed.configPath));
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 1;
    }
    throw err;
  }
  let replay: Replay;
  try {
    replay = openReplay(parsed.file, engineConfig(config), { samplingRate: parsed.samplingRate, decapsulate: parsed.decapsulate });
  } catch (err) {
    process.stderr.write(`floodwatch replay: ${(err as Error).message}\n`);
    return 1;
  }
  const detection = replay.detection();
  detection.setThresholds(compileThresholds(config));
  const policy = buildDetectionPolicy(config);
  const bans = new Map<string, boolean>();
  const print = (attack: AttackRecord) => process.stdout.write(JSON.stringify({ ...attack, ban: bans.get(attack.id) ?? false }) + '\n');
  let now = 0;
  let found = 0;
  const detector = new Detector(
    detection,
    policy,
    {
      started: (attack, ban) => {
        bans.set(attack.id, ban);
        found++;
      },
      detailed: (attack, pcap) => {
        if (pcap && parsed.pcapDir) {
          mkdirSync(parsed.pcapDir, { recursive: true });
          attack.pcap = join(parsed.pcapDir, `${attack.id}.pcap`);
          writeFileSync(attack.pcap, pcap);
        }
      },
      updated: () => {},
      ended: print,
    },
    () => now,
  );
  const started = Date.now();
  for (let step = replay.step(); step; step = replay.step()) {
    now = step.timeMs;
    detector.tick();
  }
  for (const attack of detector.active()) print(attack);
  process.stderr.write(
    `floodwatch replay: ${replay.packets} packets (${replay.unparsed} not IP) in ${((Date.now() - started) / 1000).toFixed(2)} s; ${found} attack(s)` +
      (replay.truncated ? '; the file ends in the middle of a packet (a cut capture): read up to there\n' : '\n'),
  );
  return 0;
}
