// The systems the mirror scenario measures, each started fresh on the capture end of a veth
// pair and read through its own counters: FastNetMon 1.2.4's AF_PACKET, floodwatch's AF_PACKET
// and AF_XDP.
import { execFileSync } from 'node:child_process';
import type { MirrorSourceConfig } from '../ts/engine/index.js';
import { threadCpuSeconds } from './cpu.js';
import { FASTNETMON_COUNTERS, startFastNetMon } from './fastnetmon.js';
import { FloodwatchProcess, type FloodwatchStats } from './floodwatch.js';

export interface MirrorCapturer {
  readonly name: string;
  /** Packets the system counted since it started. */
  packetsSeen(): Promise<number>;
  /** CPU-seconds of the capturing process's live threads since they started. */
  cpuSeconds(): number;
  /** What else the system reports about its capture (drops, XDP mode...). */
  details(): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

export async function startFastNetMonCapture(iface: string, networks: readonly string[]): Promise<MirrorCapturer> {
  const fastnetmon = await startFastNetMon({ networks, mirrorInterfaces: [iface] });
  const counter = async (name: string) => (await fastnetmon.counters()).get(name) ?? 0;
  return {
    name: 'FastNetMon AF_PACKET',
    packetsSeen: () => counter(FASTNETMON_COUNTERS.simplePackets),
    cpuSeconds: () => threadCpuSeconds(fastnetmon.pid),
    details: async () => ({ fanout: 'cpu', unparsed: await counter(FASTNETMON_COUNTERS.unparsedPackets) }),
    stop: () => fastnetmon.stop(),
  };
}

/** The mirror counters bench/floodwatch-engine.ts adds to its stats. */
type MirrorStats = FloodwatchStats & { mirror_packets: number; mirror_kernel_drops: number; mirror_ring_full: number; mirror_errors: string[] };

/** The XDP mode `ip link` reports for the program on `iface`: native, generic, offload or none. */
export function attachedXdpMode(iface: string): 'native' | 'generic' | 'offload' | 'none' {
  const [link] = JSON.parse(execFileSync('ip', ['-j', '-d', 'link', 'show', 'dev', iface], { encoding: 'utf8' })) as { xdp?: { mode: number } }[];
  // XDP_ATTACHED_DRV, _SKB, _HW; MULTI (4) does not occur with one program.
  return ({ 1: 'native', 2: 'generic', 3: 'offload' } as const)[link?.xdp?.mode as 1 | 2 | 3] ?? 'none';
}

export async function startFloodwatchCapture(
  iface: string,
  networks: readonly string[],
  source: Omit<MirrorSourceConfig, 'interface'>,
): Promise<MirrorCapturer> {
  const engine = await FloodwatchProcess.start({ listen: [], networks: [...networks], mirror: [{ interface: iface, ...source }] });
  const stats = async () => (await engine.stats()) as MirrorStats;
  // Read while the engine runs: `auto` becomes native or generic.
  const xdpMode = source.engine === 'af_xdp' ? attachedXdpMode(iface) : undefined;
  const label = source.engine === 'af_xdp' ? 'AF_XDP' : 'AF_PACKET';
  return {
    name: `floodwatch ${label}`,
    packetsSeen: async () => (await stats()).mirror_packets,
    cpuSeconds: () => threadCpuSeconds(engine.pid),
    details: async () => {
      const s = await stats();
      return { ...source, xdp_mode_attached: xdpMode, kernel_drops: s.mirror_kernel_drops, ring_full: s.mirror_ring_full, errors: s.mirror_errors };
    },
    stop: () => engine.stop(),
  };
}
