// Runs the detection-latency scenario alone and prints every run and the medians:
//   npx tsx bench/measure-detection-latency.ts [--smoke] [--repeats N] [--flood-seconds N] [--threshold PPS]
import { loadavg } from 'node:os';
import { runDetectionLatencyScenario, type DetectionLatencyScenarioOptions } from './detection-latency-scenario.js';
import type { LatencyFigures } from './detection-latency.js';
import { ensureFastNetMon } from './fastnetmon-install.js';
import { buildReplayer } from './replay.js';
import { renderTable } from './table.js';

const USAGE = 'usage: measure-detection-latency.ts [--smoke] [--repeats N] [--flood-seconds N] [--threshold PPS]';

function parseArgs(argv: string[]): DetectionLatencyScenarioOptions {
  const o: DetectionLatencyScenarioOptions = { smoke: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--smoke') {
      o.smoke = true;
      continue;
    }
    const value = Number(argv[i + 1]);
    if (!(value > 0)) throw new Error(`${argv[i]} needs a positive number\n${USAGE}`);
    if (argv[i] === '--repeats') o.repeats = value;
    else if (argv[i] === '--flood-seconds') o.floodSeconds = value;
    else if (argv[i] === '--threshold') o.thresholdPps = value;
    else throw new Error(`unknown argument ${argv[i]}\n${USAGE}`);
    i++;
  }
  return o;
}

const s = (v: number | null) => (v === null ? 'no ban' : `${v.toFixed(3)} s`);

function printRuns(f: LatencyFigures): void {
  console.log(`${f.detector} at ${f.multiple}x (${f.packetsPerSecond} pps, ${f.datagramsPerSecond.toFixed(0)} datagrams/s): median ${s(f.medianSeconds)}`);
  for (const r of f.runs) {
    console.log(
      `  ${s(r.seconds)} from spawn, ${s(r.secondsFromReplayerStart)} from the replayer's start (start-up ${(r.replayerStartupSeconds * 1000).toFixed(1)} ms, phase ${r.phaseMs} ms); ` +
        `sent ${r.packetsPerSecondSent.toFixed(0)} pps, ban reported ${r.reportedPps ?? '-'} pps, kernel drops ${r.kernelDrops}`,
    );
  }
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const version = o.smoke ? null : await ensureFastNetMon();
  await buildReplayer();
  const { rows, results } = await runDetectionLatencyScenario(o);
  console.log(`FastNetMon ${version ?? '(not run)'}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  for (const m of Object.values(results.multiples)) {
    for (const f of [m.fastnetmon, m.floodwatch]) if (f) printRuns(f);
  }
  console.log(renderTable(rows));
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`measure-detection-latency: ${(err as Error).message}`);
    process.exit(1);
  },
);
