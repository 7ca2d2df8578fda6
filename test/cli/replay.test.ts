// `floodwatch replay`: generated captures through offline detection, with the file's own
// timestamps as the clock, so detection times are exact and can be asserted.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AttackRecord } from '../../ts/attacks/types.js';
import { floodwatch } from '../support/cli.js';
import { writePcap, type PacketSpec } from '../support/pcap.js';

const dir = mkdtempSync(join(tmpdir(), 'floodwatch-replay-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const T0 = 1_700_000_000;
const THRESHOLD = 10_000;

/** `pps` packets per second from `from` to `until` (seconds after T0), made by `make(i)`. */
function stream(pps: number, from: number, until: number, make: (i: number) => Omit<PacketSpec, 'time'>): PacketSpec[] {
  const out: PacketSpec[] = [];
  const count = Math.round((until - from) * pps);
  for (let i = 0; i < count; i++) out.push({ ...make(i), time: T0 + from + i / pps });
  return out;
}

const synFlood = (i: number) => ({
  src: `203.0.113.${1 + (i % 250)}`,
  dst: '198.51.100.20',
  protocol: 'tcp' as const,
  srcPort: 1024 + (i % 60000),
  dstPort: 443,
  tcpFlags: 0x02,
  ipLength: 60,
});
const ntpReflection = (i: number) => ({
  src: `192.0.2.${1 + (i % 50)}`,
  dst: '198.51.100.30',
  protocol: 'udp' as const,
  srcPort: 123,
  dstPort: 30000 + (i % 20),
  ipLength: 468,
});
const web = (dst: string) => (i: number) => ({
  src: `192.0.2.${100 + (i % 20)}`,
  dst,
  protocol: 'tcp' as const,
  srcPort: 40000 + (i % 1000),
  dstPort: 80,
  tcpFlags: 0x18,
  ipLength: 1200,
});

function capture(name: string, packets: PacketSpec[]): string {
  const path = join(dir, name);
  writePcap(
    path,
    packets.sort((a, b) => a.time - b.time),
  );
  return path;
}

function config(extra = ''): string {
  const path = join(dir, `config-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(path, `networks: ["198.51.100.0/24"]\nthresholds:\n  incoming:\n    pps: ${THRESHOLD}\n${extra}`);
  return path;
}

async function replay(file: string, configPath: string): Promise<(AttackRecord & { ban: boolean })[]> {
  const result = await floodwatch(['replay', file, '--config', configPath]);
  expect(result.stderr).toMatch(/floodwatch replay: \d+ packets/);
  expect(result.code).toBe(0);
  return result.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

describe('floodwatch replay', () => {
  const file = capture('mixed.pcap', [
    ...stream(2 * THRESHOLD, 2, 6, synFlood), // twice the threshold from t=2 s
    ...stream(3 * THRESHOLD, 3, 6, ntpReflection),
    ...stream(0.9 * THRESHOLD, 0, 10, web('198.51.100.40')), // under the threshold throughout
    ...stream(3 * THRESHOLD, 1, 4, web('198.51.100.50')), // over, but whitelisted
  ]);

  it('finds a SYN flood at twice the threshold within 1 s of its start, and calls it one', async () => {
    const attacks = await replay(file, config('whitelist: ["198.51.100.50/32"]\n'));
    const syn = attacks.find((a) => a.ip === '198.51.100.20');
    expect(syn).toBeDefined();
    expect(syn!.type).toBe('syn_flood');
    expect(syn!.direction).toBe('incoming');
    expect(syn!.ban).toBe(true);
    const delay = Date.parse(syn!.started_at) - (T0 + 2) * 1000;
    expect(delay).toBeGreaterThan(0);
    expect(delay).toBeLessThanOrEqual(1000);
    expect(syn!.peak.pps).toBeGreaterThan(1.8 * THRESHOLD);
    expect(syn!.top_destination_ports[0].key).toBe('tcp/443');
  });

  it('calls a reflection from source port 123 NTP amplification, with its reflectors', async () => {
    const attacks = await replay(file, config('whitelist: ["198.51.100.50/32"]\n'));
    const ntp = attacks.find((a) => a.ip === '198.51.100.30')!;
    expect(ntp.type).toBe('ntp_amplification');
    expect(ntp.top_source_ports[0].key).toBe('udp/123');
    expect(ntp.top_sources).toHaveLength(10); // the ten heaviest of the 50 reflectors
    expect(ntp.top_sources.every((s) => s.key.startsWith('192.0.2.'))).toBe(true);
  });

  it('never reports a host under its threshold, nor a whitelisted one', async () => {
    const attacks = await replay(file, config('whitelist: ["198.51.100.50/32"]\n'));
    expect(attacks.map((a) => a.ip).sort()).toEqual(['198.51.100.20', '198.51.100.30']);
  });

  it("applies a hostgroup's thresholds and its choice not to ban", async () => {
    const attacks = await replay(
      file,
      config(`hostgroups:\n  - name: lab\n    prefixes: ["198.51.100.0/27"]\n    ban: false\n    thresholds:\n      incoming: { pps: 100000 }\n`),
    );
    // .20 and .30 are in the lab (/27) with a threshold over their floods; .40 and .50 are not.
    expect(attacks.map((a) => [a.ip, a.hostgroup, a.ban])).toEqual([['198.51.100.50', 'global', true]]);
  });

  it('reads pcapng as well, and a capture cut in the middle of a packet', async () => {
    const pcapng = join(dir, 'mixed.pcapng');
    execFileSync('editcap', ['-F', 'pcapng', file, pcapng]);
    const attacks = await replay(pcapng, config());
    expect(attacks.some((a) => a.ip === '198.51.100.20' && a.type === 'syn_flood')).toBe(true);

    const cut = join(dir, 'cut.pcap');
    const bytes = readFileSync(file);
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2) + 7));
    const result = await floodwatch(['replay', cut, '--config', config()]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/cut capture/);
  });

  it("writes each attack's first 500 packets as a pcap that tshark reads back", async () => {
    const pcapDir = join(dir, 'fingerprints');
    const result = await floodwatch(['replay', file, '--config', config(), '--pcap-dir', pcapDir]);
    expect(result.code).toBe(0);
    const syn = result.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as AttackRecord)
      .find((a) => a.ip === '198.51.100.20')!;
    expect(syn.pcap).toBe(join(pcapDir, `${syn.id}.pcap`));
    const lines = execFileSync('tshark', ['-r', syn.pcap!, '-T', 'fields', '-e', 'ip.dst', '-e', 'tcp.flags.syn', '-e', 'tcp.dstport'], { encoding: 'utf8' })
      .trim()
      .split('\n');
    expect(lines).toHaveLength(500);
    expect(new Set(lines)).toEqual(new Set(['198.51.100.20\t1\t443']));
  });

  it('says what is wrong with a file that is not a capture, or a missing one', async () => {
    const junk = join(dir, 'junk.pcap');
    writeFileSync(junk, 'this is not a capture');
    const bad = await floodwatch(['replay', junk]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/not a pcap or pcapng file/);
    const missing = await floodwatch(['replay', join(dir, 'nope.pcap')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/does not exist/);
  });
});
