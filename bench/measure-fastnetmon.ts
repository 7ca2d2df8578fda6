// Runs the ingest scenarios on FastNetMon alone and prints its figures:
//   npx tsx bench/measure-fastnetmon.ts [--seconds N] [--rate DATAGRAMS_PER_S] [--flows N]
import { loadavg } from 'node:os';
import { datasets } from './datasets.js';
import { ensureFastNetMon } from './fastnetmon-install.js';
import { measureFastNetMonIngest, type IngestFigures } from './fastnetmon-ingest.js';
import { buildDatagramSender } from './datagram-sender.js';

function parseArgs(argv: string[]): { seconds: number; rate?: number; flows?: number } {
  const out: { seconds: number; rate?: number; flows?: number } = { seconds: 10 };
  for (let i = 0; i < argv.length; i += 2) {
    const value = Number(argv[i + 1]);
    if (!Number.isFinite(value) || value <= 0)
      throw new Error(`${argv[i]} needs a positive number\nusage: measure-fastnetmon.ts [--seconds N] [--rate DATAGRAMS_PER_S] [--flows N]`);
    if (argv[i] === '--seconds') out.seconds = value;
    else if (argv[i] === '--rate') out.rate = value;
    else if (argv[i] === '--flows') out.flows = value;
    else throw new Error(`unknown argument ${argv[i]}\nusage: measure-fastnetmon.ts [--seconds N] [--rate DATAGRAMS_PER_S] [--flows N]`);
  }
  return out;
}

const M = (n: number) => `${(n / 1e6).toFixed(3)} M`;
const LABEL = { 'netflow-v9': 'NetFlow v9 (flows)', ipfix: 'IPFIX (flows)', sflow: 'sFlow v5 (samples)' } as const;

function printTable(rows: IngestFigures[]): void {
  const header = ['scenario', 'sent/s', 'decoded/s', 'loss', 'kernel drops', 'CPU-s', 'CPU-s per M records'];
  const lines = rows.map((r) => [
    LABEL[r.protocol],
    M(r.sentPerSecond),
    M(r.decodedPerSecond),
    `${(r.loss * 100).toFixed(1)} %`,
    String(r.kernelDrops),
    r.cpuSeconds.toFixed(2),
    r.cpuSecondsPerMillionRecords.toFixed(3),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(fmt(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const l of lines) console.log(fmt(l));
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const version = await ensureFastNetMon();
  await buildDatagramSender();
  console.error('making the datasets (softflowd, pmacctd, tshark)...');
  const d = await datasets({ flows: args.flows });
  console.error(
    `datasets: ${d.flows} flows to ${d.hosts} hosts; NetFlow v9 ${d.netflowV9.records} records in ${d.netflowV9.datagrams} datagrams, ` +
      `IPFIX ${d.ipfix.records} in ${d.ipfix.datagrams}, sFlow ${d.sflow.records} samples in ${d.sflow.datagrams}`,
  );
  const rows: IngestFigures[] = [];
  for (const dataset of [d.netflowV9, d.ipfix, d.sflow]) {
    console.error(`${LABEL[dataset.protocol]}: replaying for ${args.seconds} s${args.rate ? ` at ${args.rate} datagrams/s` : ' at full speed'}...`);
    rows.push(await measureFastNetMonIngest(dataset, d.monitoredNetworks, { seconds: args.seconds, rate: args.rate }));
  }
  console.log(
    `FastNetMon ${version}, ${args.seconds} s per scenario, ${args.rate ? `${args.rate} datagrams/s` : 'full speed'}, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  printTable(rows);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`measure-fastnetmon: ${(err as Error).message}`);
    process.exit(1);
  },
);
