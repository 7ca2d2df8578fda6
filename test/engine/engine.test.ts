// The FlowEngine as the control plane uses it: config errors, bad datagrams, IPv6 listeners,
// snapshots and top talkers.
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FlowEngine } from '../../ts/engine/index.js';
import { waitFor } from '../support/daemon.js';
import { settle, startEngine } from '../support/engine.js';
import { softflowd } from '../support/exporters.js';
import { writePcap } from '../support/pcap.js';
import { MONITORED, mixedTraffic } from '../support/traffic.js';

const dir = mkdtempSync(join(tmpdir(), 'floodwatch-engine-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function send(port: number, host: string, datagrams: Buffer[]): Promise<void> {
  const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  for (const d of datagrams) {
    await new Promise<void>((resolve, reject) => socket.send(d, port, host, (err) => (err ? reject(err) : resolve())));
  }
  socket.close();
}

describe('FlowEngine configuration', () => {
  it('refuses a listen address that does not parse, naming it', () => {
    expect(() => new FlowEngine({ listen: ['nowhere:2055'] })).toThrow(/listen: 'nowhere:2055'/);
  });

  it('refuses a network that is not a prefix, naming it', () => {
    expect(() => new FlowEngine({ networks: ['10.0.0.1/8'] })).toThrow(/networks: '10.0.0.1\/8'/);
  });

  it('says which address it cannot bind', () => {
    // Not an address of this machine.
    const engine = new FlowEngine({ listen: ['192.0.2.99:2055'], workers: 1 });
    expect(() => engine.start()).toThrow(/cannot listen on UDP 192.0.2.99:2055/);
    expect(engine.running).toBe(false);
  });
});

describe('FlowEngine input', () => {
  it('counts malformed datagrams per reason and keeps what it held', async () => {
    const traffic = mixedTraffic({ ipv6: false });
    const pcap = join(dir, 'held.pcap');
    writePcap(pcap, traffic.packets);
    const { engine, port } = startEngine({ networks: MONITORED });
    try {
      await softflowd(pcap, port, 10);
      await settle(engine);
      const before = engine.host('198.51.100.10')!.incoming.packets_total;
      const garbage = [
        Buffer.alloc(0),
        Buffer.from([0x00]),
        Buffer.from([0x00, 0x63, 0, 0]),
        Buffer.from([0x00, 0x0a, 0x00, 0x40, 1, 2, 3]),
        Buffer.from([0x00, 0x09, 0x00, 0x01, ...new Array(16).fill(0), 0x00, 0x00, 0x00, 0x02]),
        Buffer.from([0, 0, 0, 5, 0, 0, 0, 1, 127, 0, 0]),
        ...Array.from({ length: 50 }, (_, i) => Buffer.from(Array.from({ length: 20 + i * 7 }, (_, j) => (i * 31 + j * 17) & 0xff))),
      ];
      await send(port, '127.0.0.1', garbage);
      const dropped = () =>
        engine
          .sources()
          .exporters.filter((e) => e.exporter.startsWith('127.0.0.1'))
          .reduce((n, e) => n + Object.values(e.dropped).reduce((a, b) => a + b, 0), 0);
      // Sources are reported every half second.
      await waitFor('the garbage counted as drops', () => dropped() >= garbage.length - 1, 5000).catch(() => {});
      expect(dropped()).toBeGreaterThanOrEqual(garbage.length - 1);
      expect(engine.running).toBe(true);
      expect(engine.host('198.51.100.10')!.incoming.packets_total).toBe(before);
    } finally {
      engine.stop();
    }
  });

  it('listens on IPv6', async () => {
    const traffic = mixedTraffic();
    const pcap = join(dir, 'v6.pcap');
    writePcap(pcap, traffic.packets);
    const { engine, port } = startEngine({ networks: MONITORED, listen: ['[::1]:0'] });
    try {
      await softflowd(pcap, port, 9, '::1');
      await settle(engine);
      const [exporter] = engine.sources().exporters;
      expect(exporter.exporter).toMatch(/^\[::1\]:\d+$/);
      expect(engine.host('2001:db8:1::20')!.incoming.packets_total).toBe(traffic.incoming.get('2001:db8:1::20')!.packets);
    } finally {
      engine.stop();
    }
  });
});

describe('FlowEngine views', () => {
  it('ranks top talkers and totals by direction and protocol', async () => {
    const traffic = mixedTraffic();
    const pcap = join(dir, 'views.pcap');
    writePcap(pcap, traffic.packets);
    const { engine, port } = startEngine({ networks: MONITORED });
    try {
      await softflowd(pcap, port, 10);
      await settle(engine);
      const snapshot = engine.snapshot(3);
      expect(snapshot.top.incoming.pps).toHaveLength(3);
      expect(snapshot.table.hosts).toBe(4);
      const totalIn = [...traffic.incoming.values()].reduce((n, t) => n + t.packets, 0);
      expect(snapshot.totals.incoming.packets_total).toBe(totalIn);
      expect(snapshot.totals.incoming.protocols.tcp_syn.packets_total).toBe(300);
      expect(snapshot.totals.incoming.protocols.icmp.packets_total).toBe(200);
      const byBytes = engine.top('incoming', 'udp_bps', 1);
      expect(byBytes[0].ip).toBe('198.51.100.10');
      expect(() => engine.top('sideways' as never, 'pps', 1)).toThrow(/"sideways".*Direction/);
      expect(() => engine.top('incoming', 'speed' as never, 1)).toThrow(/metric 'speed'/);
      expect(() => engine.host('not-an-ip')).toThrow(/not an IP address/);
      expect(engine.host('198.51.100.99')).toBeNull();
    } finally {
      engine.stop();
    }
  });
});
