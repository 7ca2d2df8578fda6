// Scenario 4 of the benchmark, mirror capture: trafgen sends the same packets at the same rate
// into a veth pair while one system at a time, started fresh, captures the other end: FastNetMon
// 1.2.4's AF_PACKET (fanout cpu, as Debian ships it), floodwatch's AF_PACKET (2 workers, hash
// fanout) and floodwatch's AF_XDP (auto mode). Several rounds, each in another order, and each
// system's median round: this machine's speed drifts by more than the systems differ.
// --smoke: floodwatch only, a short send, one round.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createVethPair } from '../test/support/veth.js';
import { measureMirrorCapture, measureSenderAlone, type MirrorFigures, type SenderFigures } from './mirror-capture.js';
import { attachedXdpMode, startFastNetMonCapture, startFloodwatchCapture, type MirrorCapturer } from './mirror-capturers.js';
import { MIRROR_FRAME_BYTES, mirrorTrafficConfig } from './mirror-traffic.js';
import { onExit } from './processes.js';
import type { Row } from './table.js';
import type { TrafgenOptions } from './trafgen.js';
import { MONITORED_NETWORKS } from './traffic.js';

export interface MirrorCaptureScenarioOptions {
  smoke: boolean;
  packets?: number;
  packetsPerSecond?: number;
  hosts?: number;
  rounds?: number;
}

export interface MirrorCaptureResults {
  skipped?: string;
  packets?: number;
  packets_per_second?: number;
  rounds?: number;
  /** Each round's capture CPU-s per M packets, per system, in round order. */
  cpu_per_million_each_round?: Partial<Record<SystemKey, number[]>>;
  frame_bytes?: number;
  hosts?: number;
  loadavg_before?: number[];
  sender_without_capture?: SenderFigures;
  fastnetmon_af_packet?: MirrorFigures | null;
  floodwatch_af_packet?: MirrorFigures;
  floodwatch_af_xdp?: MirrorFigures;
  /** Set when floodwatch's XDP program stayed on the interface after the engine stopped. */
  xdp_left_attached?: string;
}

type SystemKey = 'fastnetmon_af_packet' | 'floodwatch_af_packet' | 'floodwatch_af_xdp';

/** The list started at `by` (mod its length): round r runs the systems in another order. */
function rotate<T>(list: readonly T[], by: number): T[] {
  const at = by % list.length;
  return [...list.slice(at), ...list.slice(0, at)];
}

/** The run whose capture CPU per packet is the median of the runs (the lower middle one). */
function medianRun(figures: readonly MirrorFigures[]): MirrorFigures {
  const sorted = [...figures].sort((a, b) => a.capture_cpu_seconds_per_million_packets - b.capture_cpu_seconds_per_million_packets);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/** A rate FastNetMon 1.2.4 and floodwatch both keep up with on this 2-core machine. */
const DEFAULT_RATE = 200_000;

async function measure(start: () => Promise<MirrorCapturer>, traffic: TrafgenOptions): Promise<MirrorFigures> {
  const capturer = await start();
  try {
    console.error(`mirror capture: ${capturer.name}, ${traffic.packets} packets at ${traffic.packetsPerSecond} pps...`);
    return await measureMirrorCapture(capturer, traffic);
  } finally {
    await capturer.stop();
  }
}

function rows(r: MirrorCaptureResults): Row[] {
  const fnm = r.fastnetmon_af_packet ?? null;
  const row = (figure: string, unit: string, f: MirrorFigures | null, w: MirrorFigures | undefined, key: keyof MirrorFigures): Row => ({
    figure,
    unit,
    fastnetmon: (f?.[key] as number | undefined) ?? null,
    floodwatch: (w?.[key] as number | undefined) ?? null,
    better: 'lower',
  });
  const packet = r.floodwatch_af_packet;
  const xdp = r.floodwatch_af_xdp;
  return [
    row('Mirror AF_PACKET: CPU-s per M packets', 's', fnm, packet, 'capture_cpu_seconds_per_million_packets'),
    row('Mirror AF_PACKET: loss', '%', fnm, packet, 'loss'),
    row('Mirror AF_PACKET: sender (trafgen) CPU-s per M packets', 's', fnm, packet, 'sender_cpu_seconds_per_million_packets'),
    row('Mirror AF_XDP: CPU-s per M packets (FastNetMon: AF_PACKET)', 's', fnm, xdp, 'capture_cpu_seconds_per_million_packets'),
    row('Mirror AF_XDP: loss (FastNetMon: AF_PACKET)', '%', fnm, xdp, 'loss'),
    row('Mirror AF_XDP: sender (trafgen) CPU-s per M packets', 's', fnm, xdp, 'sender_cpu_seconds_per_million_packets'),
  ];
}

export async function runMirrorCaptureScenario(o: MirrorCaptureScenarioOptions): Promise<{ rows: Row[]; results: MirrorCaptureResults }> {
  if (process.getuid?.() !== 0) {
    const skipped = 'needs root (a veth pair, AF_PACKET and XDP): run the benchmark as root';
    console.error(`mirror capture: skipped, ${skipped}`);
    return { rows: rows({}), results: { skipped } };
  }
  const packets = o.packets ?? (o.smoke ? 100_000 : 2_000_000);
  const packetsPerSecond = o.packetsPerSecond ?? (o.smoke ? 50_000 : DEFAULT_RATE);
  const hosts = o.hosts ?? 300;
  const networks = MONITORED_NETWORKS;

  const dir = mkdtempSync(join(tmpdir(), 'floodwatch-bench-mirror-'));
  const veth = createVethPair();
  const cleanUp = () => {
    veth.remove();
    rmSync(dir, { recursive: true, force: true });
  };
  const forget = onExit(cleanUp);
  try {
    const config = join(dir, 'mirror-traffic.cfg');
    writeFileSync(config, mirrorTrafficConfig(hosts));
    const traffic: TrafgenOptions = { device: veth.send, config, packets, packetsPerSecond };
    const results: MirrorCaptureResults = {
      packets,
      packets_per_second: packetsPerSecond,
      frame_bytes: MIRROR_FRAME_BYTES,
      hosts,
      loadavg_before: loadavg().map((l) => +l.toFixed(2)),
    };
    console.error(`mirror capture: trafgen alone on ${veth.send}, nothing capturing ${veth.capture}...`);
    results.sender_without_capture = await measureSenderAlone(traffic);
    const systems: [SystemKey, () => Promise<MirrorCapturer>][] = [
      ['floodwatch_af_packet', () => startFloodwatchCapture(veth.capture, networks, { engine: 'af_packet', workers: 2, fanout: 'hash' })],
      ['floodwatch_af_xdp', () => startFloodwatchCapture(veth.capture, networks, { engine: 'af_xdp', xdp_mode: 'auto' })],
    ];
    if (!o.smoke) systems.unshift(['fastnetmon_af_packet', () => startFastNetMonCapture(veth.capture, networks)]);
    const rounds = o.rounds ?? (o.smoke ? 1 : 3);
    const runs = new Map<SystemKey, MirrorFigures[]>(systems.map(([key]) => [key, []]));
    for (let round = 0; round < rounds; round++) {
      for (const [key, start] of rotate(systems, round)) runs.get(key)!.push(await measure(start, traffic));
    }
    results.rounds = rounds;
    results.cpu_per_million_each_round = {};
    for (const [key, figures] of runs) {
      results.cpu_per_million_each_round[key] = figures.map((f) => f.capture_cpu_seconds_per_million_packets);
      results[key] = medianRun(figures);
    }
    if (o.smoke) results.fastnetmon_af_packet = null;
    const leftOver = attachedXdpMode(veth.capture);
    if (leftOver !== 'none') results.xdp_left_attached = `an XDP program stayed attached to ${veth.capture} in ${leftOver} mode after floodwatch stopped`;
    return { rows: rows(results), results };
  } finally {
    cleanUp();
    forget();
  }
}
