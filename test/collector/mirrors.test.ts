// FlowEngine.mirrors(): the mirror sources alone, as the daemon's check reads them every second
// (without building the flow sources' view), the same as in sources().
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FlowEngine } from '../../ts/engine/index.js';
import { waitFor } from '../support/daemon.js';
import { writePcap } from '../support/pcap.js';
import { MONITORED, mixedTraffic } from '../support/traffic.js';
import { createVethPair, type VethPair } from '../support/veth.js';

const isRoot = process.getuid?.() === 0;
const dir = mkdtempSync(join(tmpdir(), 'floodwatch-mirrors-'));
const pairs: VethPair[] = [];
afterAll(() => {
  pairs.forEach((p) => p.remove());
  rmSync(dir, { recursive: true, force: true });
});

describe('FlowEngine.mirrors', () => {
  it('is empty without mirror ports', () => {
    const engine = new FlowEngine({ listen: ['127.0.0.1:0'], workers: 1 });
    engine.start();
    try {
      expect(engine.mirrors()).toEqual([]);
    } finally {
      engine.stop();
    }
  });

  it.runIf(isRoot)('counts what sources() counts for each mirror source', async () => {
    const veth = createVethPair();
    pairs.push(veth);
    const traffic = mixedTraffic();
    const pcap = join(dir, 'mirror.pcap');
    writePcap(pcap, traffic.packets);
    const engine = new FlowEngine({ listen: [], networks: MONITORED, tick_ms: 50, mirror: [{ interface: veth.capture, engine: 'af_packet', workers: 2 }] });
    engine.start();
    try {
      execFileSync('tcpreplay', ['-q', '-i', veth.send, '--pps', '20000', pcap], { stdio: 'ignore' });
      const mirrors = await waitFor('every frame counted', () => {
        const m = engine.mirrors();
        return m.reduce((n, s) => n + s.packets, 0) >= traffic.packets.length && m;
      });
      expect(mirrors.map((m) => m.name)).toHaveLength(2);
      expect(engine.mirrors()).toEqual(engine.sources().mirrors);
    } finally {
      engine.stop();
    }
  });
});
