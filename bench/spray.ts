// The address-spray scenario: NetFlow v9 records towards millions of distinct IPv6 destinations
// of one /36, with a SYN flood at 4x the pps threshold to one host of it mixed in half-way.
// Measures, for the whole process tree of each system: resident memory before, at its peak
// during, and 5 s after the spray; bytes per host it tracks; the time from the flood's start to
// its ban. floodwatch runs as installed (dist/, built first) on its embedded default's networks
// and thresholds; FastNetMon monitors the sprayed /36. Never asserted.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sendSpray, type SprayPlan } from '../test/support/netflow-spray.js';
import { startFastNetMon } from './fastnetmon.js';
import { startFloodwatchDaemon } from './floodwatch-daemon.js';
import { treeResidentBytes } from './memory.js';
import { waitForBan, writeNotifyScript } from './notify-script.js';
import { freeTcpPort } from './ports.js';
import { runCommand, sleep } from './processes.js';
import { scrapePrometheus } from './prometheus.js';
import { renderTable, type Row } from './table.js';

export const SPRAY_PREFIX36 = '2001:db8:f';
const SPRAY_NETWORK = '2001:db8:f000::/36';
const FLOODED = '2001:db8:f777:7777::7';
/** FastNetMon's default pps threshold, which floodwatch's embedded default takes too. */
const THRESHOLD_PPS = 20_000;
const SETTLE_SECONDS = 5;
const TOKEN = 'spray-benchmark-token-0123456789';
const REPO = fileURLToPath(new URL('..', import.meta.url));

export interface SprayFigures {
  startBytes: number;
  peakBytes: number;
  settledBytes: number;
  /** Hosts the system said it tracks after the spray (null: it does not say). */
  hosts: number | null;
  /** (settled - start) / hosts. */
  bytesPerHost: number | null;
  /** From the first datagram carrying the flood to the notify script's `ban`; null: no ban. */
  secondsToBan: number | null;
  records: number;
  /** How long the spray took to send (the rate asked may be more than this machine sends). */
  sendSeconds: number;
}

interface Detector {
  pid: number;
  port: number;
  hosts(): Promise<number | null>;
  stop(): Promise<void>;
}

async function measure(detector: Detector, script: ReturnType<typeof writeNotifyScript>, plan: SprayPlan): Promise<SprayFigures> {
  await sleep(3000);
  const startBytes = treeResidentBytes(detector.pid);
  let peakBytes = startBytes;
  const sampler = setInterval(() => (peakBytes = Math.max(peakBytes, treeResidentBytes(detector.pid))), 100);
  let report;
  try {
    report = await sendSpray(detector.port, plan);
    await sleep(SETTLE_SECONDS * 1000);
  } finally {
    clearInterval(sampler);
  }
  const settledBytes = treeResidentBytes(detector.pid);
  peakBytes = Math.max(peakBytes, settledBytes);
  const ban = await waitForBan(script, FLOODED, Date.now() + 1000);
  const hosts = await detector.hosts();
  return {
    startBytes,
    peakBytes,
    settledBytes,
    hosts,
    bytesPerHost: hosts ? Math.max(0, settledBytes - startBytes) / hosts : null,
    secondsToBan: ban && report.floodStartedAt !== null ? ban.time - report.floodStartedAt / 1000 : null,
    records: report.records,
    sendSeconds: report.seconds,
  };
}

export async function runSprayScenario(options: { smoke: boolean; destinations?: number; rate?: number }) {
  const destinations = options.destinations ?? (options.smoke ? 50_000 : 5_000_000);
  const rate = options.rate ?? (options.smoke ? 2000 : 20_000);
  const plan: SprayPlan = { prefix36: SPRAY_PREFIX36, destinations, rate, flood: { host: FLOODED, pps: 4 * THRESHOLD_PPS, floodFrom: 0.5 } };
  const dir = mkdtempSync(join(tmpdir(), 'floodwatch-bench-spray-'));
  try {
    let fastnetmon: SprayFigures | null = null;
    if (!options.smoke) {
      const script = writeNotifyScript(join(dir));
      const fnm = await startFastNetMon({ networks: [SPRAY_NETWORK], ban: { notifyScript: script.path, thresholdPps: THRESHOLD_PPS } });
      try {
        fastnetmon = await measure({ pid: fnm.pid, port: fnm.netflowPort, hosts: async () => null, stop: fnm.stop }, script, plan);
      } finally {
        await fnm.stop();
      }
    }
    const fwDir = mkdtempSync(join(dir, 'floodwatch-'));
    const script = writeNotifyScript(fwDir);
    const apiPort = await freeTcpPort();
    // The embedded default's networks (everything) and thresholds; the API on, to read the table.
    await runCommand('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: REPO, timeoutMs: 300_000 });
    const fw = await startFloodwatchDaemon({
      networks: ['0.0.0.0/0', '::/0'],
      thresholdPps: THRESHOLD_PPS,
      notifyScript: script.path,
      api: { listen: `127.0.0.1:${apiPort}`, token: TOKEN },
      fromDist: true,
    });
    let floodwatch: SprayFigures;
    try {
      const hosts = async () => (await scrapePrometheus(`http://127.0.0.1:${apiPort}/metrics`)).get('floodwatch_hosts') ?? null;
      floodwatch = await measure({ pid: fw.pid, port: fw.port, hosts, stop: fw.stop }, script, plan);
    } finally {
      await fw.stop();
    }
    const MiB = (b: number | undefined | null) => b ?? null;
    const rows: Row[] = [
      {
        figure: `Spray of ${destinations} IPv6 hosts: RSS at start (process tree)`,
        unit: 'MiB',
        fastnetmon: MiB(fastnetmon?.startBytes),
        floodwatch: MiB(floodwatch.startBytes),
        better: 'lower',
      },
      {
        figure: `Spray of ${destinations} IPv6 hosts: peak RSS`,
        unit: 'MiB',
        fastnetmon: MiB(fastnetmon?.peakBytes),
        floodwatch: MiB(floodwatch.peakBytes),
        better: 'lower',
      },
      {
        figure: `Spray of ${destinations} IPv6 hosts: RSS ${SETTLE_SECONDS} s after`,
        unit: 'MiB',
        fastnetmon: MiB(fastnetmon?.settledBytes),
        floodwatch: MiB(floodwatch.settledBytes),
        better: 'lower',
      },
      {
        figure: 'Spray: bytes per tracked host (FastNetMon: host count not exported)',
        unit: 'B',
        fastnetmon: fastnetmon?.bytesPerHost ?? null,
        floodwatch: floodwatch.bytesPerHost,
        better: 'lower',
      },
      {
        figure: 'Spray: SYN flood at 4x threshold mixed in, time to ban (s)',
        unit: 's',
        fastnetmon: fastnetmon?.secondsToBan ?? null,
        floodwatch: floodwatch.secondsToBan,
        better: 'lower',
      },
    ];
    return { rows, results: { destinations, datagrams_per_second: rate, fastnetmon, floodwatch } };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// npx tsx bench/spray.ts [--smoke] [--destinations N] [--rate DATAGRAMS_PER_S] [--floodwatch-only]
if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const value = (name: string) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : undefined);
  const { rows, results } = await runSprayScenario({
    smoke: args.includes('--smoke') || args.includes('--floodwatch-only'),
    destinations: value('--destinations'),
    rate: value('--rate'),
  });
  console.log(JSON.stringify(results, null, 2));
  console.log(renderTable(rows));
}
