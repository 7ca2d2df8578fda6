// `floodwatch replay FILE [--config FILE] [--sampling-rate N] [--decapsulate]`: offline
// detection of a pcap or pcapng file at full speed, with the file's timestamps as the clock.
// Prints each attack found as a JSON line when it ends (or when the file does); bans nothing.
// With --pcap-dir, each attack's fingerprint (its first packets) is written there as a pcap.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AttackRecord } from '../attacks/types.js';
import { ConfigError, engineConfig, loadConfig } from '../config/load.js';
import { buildDetectionPolicy } from '../daemon/policy.js';
import { Detector } from '../detection/detector.js';
import { compileThresholds } from '../detection/compile.js';
import { ReplayEngine } from '../engine/index.js';

const USAGE = 'usage: floodwatch replay FILE.pcap [--config FILE] [--sampling-rate N] [--decapsulate] [--pcap-dir DIR]';

interface ReplayArgs {
  file: string;
  configPath?: string;
  samplingRate: number;
  decapsulate: boolean;
  /** Where each attack's fingerprint pcap is written, if anywhere. */
  pcapDir?: string;
}

function parseArgs(args: string[]): ReplayArgs | string {
  let file: string | undefined;
  let configPath: string | undefined;
  let samplingRate = 1;
  let decapsulate = false;
  let pcapDir: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--config') configPath = args[++i];
    else if (arg === '--sampling-rate') samplingRate = Number(args[++i]);
    else if (arg === '--decapsulate') decapsulate = true;
    else if (arg === '--pcap-dir') pcapDir = args[++i];
    else if (arg.startsWith('-')) return `unknown option ${arg}`;
    else if (file === undefined) file = arg;
    else return `unexpected argument ${arg}`;
  }
  if (file === undefined) return 'which file? give a pcap or pcapng file';
  if (!Number.isInteger(samplingRate) || samplingRate < 1) return '--sampling-rate needs a whole number of at least 1';
  if (configPath === '') return '--config needs a file';
  if (pcapDir === '') return '--pcap-dir needs a directory';
  return { file, configPath, samplingRate, decapsulate, pcapDir };
}

export async function replayCommand(args: string[]): Promise<number> {
  const parsed = parseArgs(args);
  if (typeof parsed === 'string') {
    process.stderr.write(`floodwatch replay: ${parsed}\n${USAGE}\n`);
    return 2;
  }
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
  let replay: ReplayEngine;
  try {
    replay = new ReplayEngine(parsed.file, engineConfig(config), { samplingRate: parsed.samplingRate, decapsulate: parsed.decapsulate });
  } catch (err) {
    process.stderr.write(`floodwatch replay: ${(err as Error).message}\n`);
    return 1;
  }
  replay.detection.setThresholds(compileThresholds(config));
  const policy = buildDetectionPolicy(config);
  const bans = new Map<string, boolean>();
  const print = (attack: AttackRecord) => process.stdout.write(JSON.stringify({ ...attack, ban: bans.get(attack.id) ?? false }) + '\n');
  let now = 0;
  let found = 0;
  const detector = new Detector(
    replay.detection,
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
