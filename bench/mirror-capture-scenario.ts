// Scenario 4 of the benchmark, mirror capture: trafgen sends the same packets at the same rate
// into a veth pair while one system at a time, started fresh, captures the other end: FastNetMon
// 1.2.4's AF_PACKET (fanout cpu, as Debian ships it), floodwatch's AF_PACKET (2 workers, hash
// fanout) and floodwatch's AF_XDP (auto mode). --smoke: floodwatch only, a short send.
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
}

export interface MirrorCaptureResults {
  skipped?: string;
  packets?: number;
  packets_per_second?: number;
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
    results.fastnetmon_af_packet = o.smoke ? null : await measure(() => startFastNetMonCapture(veth.capture, networks), traffic);
    results.floodwatch_af_packet = await measure(
      () => startFloodwatchCapture(veth.capture, networks, { engine: 'af_packet', workers: 2, fanout: 'hash' }),
      traffic,
    );
    results.floodwatch_af_xdp = await measure(() => startFloodwatchCapture(veth.capture, networks, { engine: 'af_xdp', xdp_mode: 'auto' }), traffic);
    const leftOver = attachedXdpMode(veth.capture);
    if (leftOver !== 'none') results.xdp_left_attached = `an XDP program stayed attached to ${veth.capture} in ${leftOver} mode after floodwatch stopped`;
    return { rows: rows(results), results };
  } finally {
    cleanUp();
    forget();
  }
}
