// `floodwatch run` on a mirror port (AF_PACKET and AF_XDP on a veth pair): an NTP reflection sent
// with tcpreplay is banned as what it is, and the attack's fingerprint, fetched from the REST
// API, is a pcap that tshark reads back with the flood's packets.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import type { AttackRecord } from '../../ts/attacks/types.js';
import { attacksOn, daemonConfig, DaemonProcess, freeUdpPort, isBanned, waitFor, writeConfig } from '../support/daemon.js';
import { createVethPair, type VethPair } from '../support/veth.js';
import { parsePrometheusText, valueOf } from '../api/prometheus-text.js';
import { ntpReflection, stream, writeCapture } from './floods.js';

const isRoot = process.getuid?.() === 0;
const TARGET = '198.51.100.40';
const dir = mkdtempSync(join(tmpdir(), 'floodwatch-daemon-mirror-'));
const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  rmSync(dir, { recursive: true, force: true });
});

async function floodThroughMirror(engine: 'af_packet' | 'af_xdp') {
  const veth: VethPair = createVethPair();
  cleanups.push(() => veth.remove());
  const stateDir = join(dir, `state-${engine}`);
  const config = daemonConfig({ stateDir, port: await freeUdpPort(), thresholds: { incoming: { pps: 2000 } } });
  (config.sources as Record<string, unknown>).mirror = [{ interface: veth.capture, engine, workers: 1 }];
  const daemon = await DaemonProcess.start(writeConfig(join(dir, `${engine}.yaml`), config));
  cleanups.push(() => daemon.kill());
  // 3 s at 5000 pps: over the 2000 pps threshold from the first half second.
  const capture = writeCapture(join(dir, `${engine}-ntp.pcap`), stream(5000, 3, ntpReflection(TARGET)));
  execFileSync('tcpreplay', ['-q', '-i', veth.send, '--pps', String(capture.pps), capture.path], { stdio: 'ignore' });
  await waitFor('the ban', () => isBanned(stateDir, TARGET));
  const attack = await waitFor('the attack details', () => attacksOn(stateDir, TARGET).find((a: AttackRecord) => a.pcap !== null));
  return { daemon, attack, interfaceName: veth.capture, sendInterface: veth.send, sent: capture.packets };
}

describe.runIf(isRoot)('floodwatch run on a mirror port', () => {
  for (const engine of ['af_packet', 'af_xdp'] as const) {
    it(`says when the interface goes down, and when frames come through again (${engine})`, async () => {
      const { daemon, interfaceName, sendInterface } = await floodThroughMirror(engine);
      const source = `${engine}:${interfaceName}#0`;
      execFileSync('ip', ['link', 'set', interfaceName, 'down']);
      const failing = await daemon.waitForLog('the capture failure', (l) => l.msg.startsWith('mirror capture failing') && l.source === source);
      expect(failing.error).toMatch(new RegExp(`${interfaceName} (went|is) down`));
      execFileSync('ip', ['link', 'set', interfaceName, 'up']);
      const more = writeCapture(join(dir, `${engine}-after-down.pcap`), stream(1000, 1, ntpReflection(TARGET)));
      execFileSync('tcpreplay', ['-q', '-i', sendInterface, '--pps', String(more.pps), more.path], { stdio: 'ignore' });
      await daemon.waitForLog('the capture to resume', (l) => l.msg === 'mirror capture receiving again' && l.source === source);
      await daemon.kill();
    });
  }

  for (const engine of ['af_packet', 'af_xdp'] as const) {
    it(`bans an NTP reflection seen through ${engine} and serves its fingerprint pcap`, async () => {
      const { daemon, attack, interfaceName, sent } = await floodThroughMirror(engine);
      expect(attack.type).toBe('ntp_amplification');
      const [port] = daemon.logged('capturing a mirror port', { interface: interfaceName, engine });
      expect(port?.sources).toEqual([`${engine}:${interfaceName}#0`]);
      expect(port?.detail).toMatch(
        engine === 'af_xdp'
          ? /^(native|generic \(SKB\)) mode, copy(, frames stamped by the reader \(this kernel refuses XDP metadata\))?, RX queue\(s\) \[0\]/
          : /^1 fanout member\(s\)/,
      );
      // The log says how much memory the rings took; an AF_PACKET ring is sized from the veth's link speed.
      expect(port?.detail).toMatch(engine === 'af_xdp' ? /, \d+ MiB of UMEM in all$/ : /blocks each \(sized for 10000 Mbit\/s\), \d+ MiB of rings in all$/);
      expect(port?.ring_bytes).toBeGreaterThan(0);

      const apiRoot = (await daemon.apiUrl()).replace(/\/api\/v1$/, '');
      const source = { source: `${engine}:${interfaceName}#0` };
      const scrape = async () => parsePrometheusText(await (await fetch(`${apiRoot}/metrics`)).text());
      const seen = (m: Awaited<ReturnType<typeof scrape>>) =>
        valueOf(m, 'floodwatch_mirror_packets_total', source)! + valueOf(m, 'floodwatch_mirror_kernel_drops_total', source)!;
      // Workers report once per tick: the last frames are counted a tick or two after tcpreplay ends.
      let metrics = await scrape();
      for (let tries = 0; seen(metrics) < sent && tries < 20; tries++) {
        await sleep(100);
        metrics = await scrape();
      }
      // Every frame tcpreplay sent, captured or counted as dropped (the veth may add its own, e.g. IPv6 ND).
      expect(seen(metrics)).toBeGreaterThanOrEqual(sent);
      expect(valueOf(metrics, 'floodwatch_mirror_port_info', { interface: interfaceName, engine, detail: port!.detail as string })).toBe(1);
      expect(attack.top_source_ports[0].key).toBe('udp/123');
      const response = await fetch(`${await daemon.apiUrl()}/attacks/${attack.id}/pcap`);
      expect(response.status).toBe(200);
      const pcap = join(dir, `${engine}-fingerprint.pcap`);
      writeFileSync(pcap, Buffer.from(await response.arrayBuffer()));
      const lines = execFileSync('tshark', ['-r', pcap, '-T', 'fields', '-e', 'ip.dst', '-e', 'udp.srcport'], { encoding: 'utf8' }).trim().split('\n');
      expect(lines.length).toBeGreaterThan(100);
      expect(new Set(lines)).toEqual(new Set([`${TARGET}\t123`]));
      await daemon.kill();
    });
  }
});
