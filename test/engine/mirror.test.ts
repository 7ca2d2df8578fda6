// Mirror-port capture through the engine: tcpreplay sends a generated pcap into one end of a
// veth pair, the engine captures the other end, and the per-host counts equal what was sent.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FlowEngine, type MirrorSourceConfig } from '../../ts/engine/index.js';
import { writePcap, type PacketSpec } from '../support/pcap.js';
import { MONITORED, mixedTraffic } from '../support/traffic.js';
import { createVethPair, type VethPair } from '../support/veth.js';

const isRoot = process.getuid?.() === 0;
const dir = mkdtempSync(join(tmpdir(), 'floodwatch-mirror-'));
const pairs: VethPair[] = [];
afterAll(() => {
  pairs.forEach((p) => p.remove());
  rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function captureThrough(mirror: Omit<MirrorSourceConfig, 'interface'>, packets: PacketSpec[]) {
  const veth = createVethPair();
  pairs.push(veth);
  const pcap = join(dir, `mirror-${pairs.length}.pcap`);
  writePcap(pcap, packets);
  const engine = new FlowEngine({ listen: [], networks: MONITORED, tick_ms: 50, mirror: [{ interface: veth.capture, ...mirror }] });
  engine.start();
  try {
    execFileSync('tcpreplay', ['-q', '-i', veth.send, '--pps', '20000', pcap], { stdio: 'ignore' });
    let last = -1;
    for (let i = 0; i < 100; i++) {
      await sleep(100);
      const seen = engine.sources().mirrors.reduce((n, m) => n + m.packets, 0);
      if (seen === last && seen >= packets.length) break;
      last = seen;
    }
    return { engine, mirrors: engine.sources().mirrors };
  } catch (err) {
    engine.stop();
    throw err;
  }
}

describe.runIf(isRoot)('mirror port capture', () => {
  const traffic = mixedTraffic();

  for (const fanout of ['hash', 'lb'] as const) {
    it(`AF_PACKET with ${fanout} fanout over 2 workers counts every packet to the right host`, async () => {
      const { engine, mirrors } = await captureThrough({ engine: 'af_packet', workers: 2, fanout }, traffic.packets);
      try {
        expect(mirrors).toHaveLength(2);
        expect(mirrors.reduce((n, m) => n + m.packets, 0)).toBe(traffic.packets.length);
        expect(mirrors.reduce((n, m) => n + m.kernel_drops, 0)).toBe(0);
        for (const [ip, want] of traffic.incoming) {
          const host = engine.host(ip)!;
          expect({ ip, packets: host.incoming.packets_total, bytes: host.incoming.bytes_total }).toEqual({ ip, packets: want.packets, bytes: want.bytes });
        }
        expect(engine.host('198.51.100.20')!.incoming.protocols.tcp_syn.packets_total).toBe(300);
      } finally {
        engine.stop();
      }
    });
  }

  const xdpCases = [
    { name: 'generic mode', options: { xdp_mode: 'generic' } },
    { name: 'native mode', options: { xdp_mode: 'native' } },
    {
      name: 'native mode with its own ring, frames and batch wait',
      options: { xdp_mode: 'native', xdp_frame_count: 4096, xdp_ring_size: 2048, batch_wait_ms: 2 },
    },
  ] as const;
  for (const { name, options } of xdpCases) {
    it(`AF_XDP in ${name} counts every packet to the right host`, async () => {
      const { engine, mirrors } = await captureThrough({ engine: 'af_xdp', ...options }, traffic.packets);
      try {
        expect(mirrors.reduce((n, m) => n + m.packets, 0)).toBe(traffic.packets.length);
        for (const [ip, want] of traffic.incoming) {
          const host = engine.host(ip)!;
          expect({ ip, packets: host.incoming.packets_total, bytes: host.incoming.bytes_total }).toEqual({ ip, packets: want.packets, bytes: want.bytes });
        }
      } finally {
        engine.stop();
      }
    });
  }

  it('sends VLAN-tagged traffic to the right host', async () => {
    const tagged = traffic.packets.map((p) => ({ ...p, vlan: 42 }));
    const { engine } = await captureThrough({ engine: 'af_packet', workers: 1 }, tagged);
    try {
      for (const [ip, want] of traffic.incoming) expect(engine.host(ip)!.incoming.packets_total).toBe(want.packets);
    } finally {
      engine.stop();
    }
  });

  it('counts the IP length when the capture keeps only the first bytes of each frame', async () => {
    const { engine } = await captureThrough({ engine: 'af_packet', workers: 1, snap_len: 64 }, traffic.packets);
    try {
      const want = traffic.incoming.get('198.51.100.10')!;
      expect(engine.host('198.51.100.10')!.incoming.bytes_total).toBe(want.bytes);
    } finally {
      engine.stop();
    }
  });

  it('scales a sampled mirror by its rate', async () => {
    const { engine } = await captureThrough({ engine: 'af_packet', workers: 1, sampling_rate: 10 }, traffic.packets);
    try {
      expect(engine.host('198.51.100.30')!.incoming.packets_total).toBe(10 * traffic.incoming.get('198.51.100.30')!.packets);
    } finally {
      engine.stop();
    }
  });

  it('names the interface it cannot capture on', () => {
    const engine = new FlowEngine({ listen: [], networks: MONITORED, mirror: [{ interface: 'fwnosuch0' }] });
    expect(() => engine.start()).toThrow(/cannot capture on fwnosuch0: .*no interface fwnosuch0/);
  });
});
