// Real exporters (softflowd, pmacctd) send a generated pcap to the collector; the per-host
// totals must be exactly what the pcap holds, or within 1% of the unsampled traffic.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { FlowEngine } from '../../ts/engine/index.js';
import { waitFor } from '../support/daemon.js';
import { settle, startEngine } from '../support/engine.js';
import { pmacctd, softflowd } from '../support/exporters.js';
import { writePcap } from '../support/pcap.js';
import { MONITORED, mixedTraffic, summarize, systematicSample, type Traffic } from '../support/traffic.js';

const dir = mkdtempSync(join(tmpdir(), 'floodwatch-exporters-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function expectExact(engine: FlowEngine, traffic: Traffic, onlyIpv4 = false) {
  for (const [direction, hosts] of [
    ['incoming', traffic.incoming],
    ['outgoing', traffic.outgoing],
  ] as const) {
    for (const [ip, want] of hosts) {
      if (onlyIpv4 && ip.includes(':')) continue;
      const host = engine.host(ip);
      expect(host, `${ip} seen`).not.toBeNull();
      expect({ ip, direction, packets: host![direction].packets_total, bytes: host![direction].bytes_total }).toEqual({
        ip,
        direction,
        packets: want.packets,
        bytes: want.bytes,
      });
    }
  }
}

describe('softflowd exports a pcap', () => {
  const traffic = mixedTraffic();
  const pcap = join(dir, 'mixed.pcap');
  writePcap(pcap, traffic.packets);

  for (const version of [5, 9, 10] as const) {
    it(`as NetFlow ${version === 10 ? 'IPFIX' : `v${version}`}: exact per-host totals`, async () => {
      const { engine, port } = startEngine({ networks: MONITORED });
      try {
        await softflowd(pcap, port, version);
        await settle(engine);
        // NetFlow v5 carries IPv4 only.
        expectExact(engine, traffic, version === 5);
        const [exporter] = engine.sources().exporters;
        expect(exporter.format).toBe(version === 5 ? 'netflow_v5' : version === 9 ? 'netflow_v9' : 'ipfix');
        expect(Object.values(exporter.dropped).reduce((a, b) => a + b, 0)).toBe(0);
        const syn = engine.host('198.51.100.20')!.incoming.protocols.tcp_syn;
        expect(syn.packets_total).toBe(300);
      } finally {
        engine.stop();
      }
    });
  }
});

describe('pmacctd exports a pcap', () => {
  it('as sFlow v5 (sfprobe), unsampled: exact per-host totals', async () => {
    const traffic = mixedTraffic();
    const pcap = join(dir, 'sflow.pcap');
    writePcap(pcap, traffic.packets);
    const { engine, port } = startEngine({ networks: MONITORED });
    try {
      await pmacctd(dir, pcap, port, 'sfprobe');
      await settle(engine);
      expectExact(engine, traffic);
      expect(engine.sources().exporters[0].format).toBe('sflow_v5');
    } finally {
      engine.stop();
    }
  });

  for (const plugin of ['sfprobe', 'nfprobe'] as const) {
    it(`as ${plugin === 'sfprobe' ? 'sFlow v5' : 'IPFIX'} sampled 1:100: totals within 1%`, async () => {
      const real = mixedTraffic({ scale: 100 });
      // The trailer of unmonitored packets stays whole: pmacctd drops the last few at the end.
      const sampled = [...systematicSample(real.packets.slice(0, -50), 100), ...real.packets.slice(-50)];
      const pcap = join(dir, `sampled-${plugin}.pcap`);
      writePcap(pcap, sampled);
      const { engine, port } = startEngine({ networks: MONITORED });
      try {
        await pmacctd(dir, pcap, port, plugin, { externalSampling: 100 });
        await settle(engine);
        for (const [ip, want] of real.incoming) {
          const got = engine.host(ip)!.incoming;
          expect(Math.abs(got.packets_total - want.packets) / want.packets, `${ip} packets`).toBeLessThan(0.01);
          expect(Math.abs(got.bytes_total - want.bytes) / want.bytes, `${ip} bytes`).toBeLessThan(0.01);
        }
      } finally {
        engine.stop();
      }
    });
  }
});

describe('allowed exporters', () => {
  it('counts and drops datagrams from an exporter outside the list', async () => {
    const traffic = summarize(mixedTraffic().packets.slice(0, 200));
    const pcap = join(dir, 'small.pcap');
    writePcap(pcap, traffic.packets);
    const { engine, port } = startEngine({ networks: MONITORED, allowed_exporters: ['192.0.2.0/24'] });
    try {
      await softflowd(pcap, port, 10);
      // Sources are reported every half second.
      const exporter = await waitFor('the refused exporter to be counted', () => engine.sources().exporters[0]);
      expect(exporter.dropped.not_allowed).toBeGreaterThan(0);
      expect(engine.snapshot(0).table.hosts).toBe(0);
    } finally {
      engine.stop();
    }
  });
});
