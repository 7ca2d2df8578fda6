// Runs the detection-latency scenario alone and prints every run and the medians:
//   npx tsx bench/measure-detection-latency.ts [--smoke] [--repeats N] [--flood-seconds N] [--threshold PPS]
import { loadavg } from 'node:os';
import { runDetectionLatencyScenario, type DetectionLatencyScenarioOptions } from './detection-latency-scenario.js';
import type { LatencyFigures } from './detection-latency.js';
import { ensureFastNetMon } from './fastnetmon-install.js';
import { buildDatagramSender } from './datagram-sender.js';
import { parseScenarioArgs } from './scenario-args.js';
import { renderTable } from './table.js';

const USAGE = 'usage: measure-detection-latency.ts [--smoke] [--repeats N] [--flood-seconds N] [--threshold PPS]';

function parseArgs(argv: string[]): DetectionLatencyScenarioOptions {
  return parseScenarioArgs(argv, USAGE, { repeats: 'repeats', 'flood-seconds': 'floodSeconds', threshold: 'thresholdPps' } as const);
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
  await buildDatagramSender();
  const { rows, results } = await runDetectionLatencyScenario(o);
  console.log(
    `FastNetMon ${version ?? '(not run)'}, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
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
