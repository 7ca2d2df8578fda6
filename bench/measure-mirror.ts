// Runs the mirror-capture scenario alone (as root) and prints each system's figures:
//   npx tsx bench/measure-mirror.ts [--smoke] [--packets N] [--rate PPS] [--hosts N] [--rounds N]
import { ensureFastNetMon } from './fastnetmon-install.js';
import type { MirrorFigures } from './mirror-capture.js';
import { runMirrorCaptureScenario, type MirrorCaptureScenarioOptions } from './mirror-capture-scenario.js';
import { parseScenarioArgs } from './scenario-args.js';
import { renderTable } from './table.js';

const USAGE = 'usage: measure-mirror.ts [--smoke] [--packets N] [--rate PPS] [--hosts N] [--rounds N]';

function parseArgs(argv: string[]): MirrorCaptureScenarioOptions {
  return parseScenarioArgs(argv, USAGE, { packets: 'packets', rate: 'packetsPerSecond', hosts: 'hosts', rounds: 'rounds' } as const);
}

function printFigures(f: MirrorFigures): void {
  console.log(
    `${f.system}: ${f.packets_seen} of ${f.packets_sent} packets seen (loss ${(f.loss * 100).toFixed(2)} %) at ${f.packets_per_second_sent.toFixed(0)} pps; ` +
      `capture ${f.capture_cpu_seconds.toFixed(2)} CPU-s = ${f.capture_cpu_seconds_per_million_packets.toFixed(3)} per M; ` +
      `sender ${f.sender_cpu_seconds_per_million_packets.toFixed(3)} per M; ksoftirqd ${f.ksoftirqd_cpu_seconds_per_million_packets.toFixed(3)} per M; ` +
      JSON.stringify(f.details),
  );
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const version = o.smoke ? null : await ensureFastNetMon();
  const { rows, results } = await runMirrorCaptureScenario(o);
  console.log(`FastNetMon ${version ?? '(not run)'}, load average before ${results.loadavg_before?.join(' ') ?? '-'}`);
  if (results.skipped) console.log(`skipped: ${results.skipped}`);
  const alone = results.sender_without_capture;
  if (alone)
    console.log(
      `trafgen alone: ${alone.sender_cpu_seconds_per_million_packets.toFixed(3)} CPU-s per M, ksoftirqd ${alone.ksoftirqd_cpu_seconds_per_million_packets.toFixed(3)} per M`,
    );
  for (const f of [results.fastnetmon_af_packet, results.floodwatch_af_packet, results.floodwatch_af_xdp]) if (f) printFigures(f);
  if (results.rounds)
    console.log(`median of ${results.rounds} round(s); capture CPU-s per M each round: ${JSON.stringify(results.cpu_per_million_each_round)}`);
  if (results.xdp_left_attached) console.log(`odd: ${results.xdp_left_attached}`);
  console.log(renderTable(rows));
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`measure-mirror: ${(err as Error).message}`);
    process.exit(1);
  },
);
