// Forged flow datagrams against `floodwatch run` with bans on and any exporter allowed: one
// datagram claiming a sampling rate of 4 000 000 000, one with a packet count of 2^62 and one
// lone sample of a plausible rate ban nobody, and /metrics counts the drops; template and
// exporter floods are evicted, counted and logged; a real sampled flood is still banned.
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { daemonConfig, DaemonProcess, freeUdpPort, isBanned, readBans, Teardown, waitFor, writeConfig } from '../support/daemon.js';

const FORGED_SRC = '198.51.100.50';
const FORGED_DST = '198.51.100.51';
const LONE_SAMPLE_DST = '198.51.100.52';
const HUGE_COUNT_DST = '198.51.100.53';
const FLOODED = '198.51.100.54';

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};
const ipv4 = (ip: string) => Buffer.from(ip.split('.').map(Number));

/** An sFlow v5 flow sample of sampled-IPv4 records (UDP, 1400 bytes), one per destination. */
function sflowDatagram(rate: number, samples: { src: string; dst: string }[], sequence = 1): Buffer {
  const encoded = samples.map(({ src, dst }, i) => {
    const record = Buffer.concat([u32(1400), u32(17), ipv4(src), ipv4(dst), u32(40000 + i), u32(443), u32(0), u32(0)]);
    const body = Buffer.concat([
      u32(sequence * 100 + i),
      u32(3),
      u32(rate),
      u32(rate * 10),
      u32(0),
      u32(1),
      u32(2),
      u32(1),
      u32(3),
      u32(record.length),
      record,
    ]);
    return Buffer.concat([u32(1), u32(body.length), body]);
  });
  return Buffer.concat([u32(5), u32(1), ipv4('127.0.0.1'), u32(0), u32(sequence), u32(1000), u32(samples.length), ...encoded]);
}

/** One IPFIX message defining template 256 and carrying one record of `packets` packets. */
function ipfixDatagram(src: string, dst: string, packets: bigint): Buffer {
  const fields: [number, number][] = [
    [8, 4],
    [12, 4],
    [4, 1],
    [2, 8],
    [1, 8],
  ];
  const template = Buffer.alloc(4 + 4 + fields.length * 4);
  template.writeUInt16BE(2, 0);
  template.writeUInt16BE(template.length, 2);
  template.writeUInt16BE(256, 4);
  template.writeUInt16BE(fields.length, 6);
  fields.forEach(([id, len], i) => {
    template.writeUInt16BE(id, 8 + i * 4);
    template.writeUInt16BE(len, 10 + i * 4);
  });
  const record = Buffer.alloc(25);
  ipv4(src).copy(record, 0);
  ipv4(dst).copy(record, 4);
  record[8] = 17;
  record.writeBigUInt64BE(packets, 9);
  record.writeBigUInt64BE(packets, 17);
  const data = Buffer.concat([Buffer.from([1, 0, 0, 4 + record.length]), record]);
  const header = Buffer.alloc(16);
  header.writeUInt16BE(10, 0);
  header.writeUInt16BE(16 + template.length + data.length, 2);
  header.writeUInt32BE(Math.floor(Date.now() / 1000), 4);
  return Buffer.concat([header, template, data]);
}

const teardown = new Teardown();
let daemon: DaemonProcess;
let stateDir: string;
let port: number;

async function send(datagrams: Buffer[]): Promise<void> {
  const socket = createSocket('udp4');
  for (const d of datagrams) await new Promise<void>((resolve, reject) => socket.send(d, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
  await new Promise<void>((resolve) => socket.close(() => resolve()));
}

/** An IPFIX message of `count` templates of 512 fields each, ids from `first`. */
function templateFlood(first: number, count: number): Buffer {
  const templates = Array.from({ length: count }, (_, t) => {
    const record = Buffer.alloc(4 + 512 * 4);
    record.writeUInt16BE(first + t, 0);
    record.writeUInt16BE(512, 2);
    for (let f = 0; f < 512; f++) {
      record.writeUInt16BE(1000 + f, 4 + f * 4);
      record.writeUInt16BE(4, 6 + f * 4);
    }
    return record;
  });
  const set = Buffer.concat([Buffer.alloc(4), ...templates]);
  set.writeUInt16BE(2, 0);
  set.writeUInt16BE(set.length, 2);
  const header = Buffer.alloc(16);
  header.writeUInt16BE(10, 0);
  header.writeUInt16BE(16 + set.length, 2);
  return Buffer.concat([header, set]);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'floodwatch-forged-'));
  teardown.defer(() => rmSync(dir, { recursive: true, force: true }));
  stateDir = join(dir, 'state');
  port = await freeUdpPort();
  const config = daemonConfig({ stateDir, port, thresholds: { incoming: { pps: 5000 }, outgoing: { pps: 5000 } } });
  const flow = (config.sources as { flow: Record<string, unknown> }).flow;
  Object.assign(flow, { max_exporters: 16, template_memory_bytes: 1 << 20 });
  daemon = await DaemonProcess.start(writeConfig(join(dir, 'floodwatch.yaml'), config));
  teardown.defer(() => daemon.kill());
});

afterAll(() => teardown.run());

describe('forged flow datagrams', () => {
  it('ban nobody, and are counted as drops', async () => {
    await send([
      sflowDatagram(4_000_000_000, [{ src: FORGED_SRC, dst: FORGED_DST }]),
      sflowDatagram(50_000, [{ src: '192.0.2.7', dst: LONE_SAMPLE_DST }], 2),
      ipfixDatagram('192.0.2.8', HUGE_COUNT_DST, 1n << 62n),
    ]);
    await sleep(2500);
    expect(readBans(stateDir)).toEqual([]);
    expect(daemon.logged('attack detected')).toEqual([]);
    const api = await daemon.apiUrl();
    const metrics = await fetch(api.replace(/\/api\/v1$/, '/metrics'));
    expect(metrics.status).toBe(200);
    const text = await metrics.text();
    expect(text).toMatch(/floodwatch_exporter_dropped_total\{[^}]*reason="implausible_sampling_rate"[^}]*\} 1/);
    expect(text).toMatch(/floodwatch_exporter_dropped_total\{[^}]*reason="implausible_counts"[^}]*\} 1/);
    const lone = await daemon.host(LONE_SAMPLE_DST);
    expect(lone?.incoming.packets_total).toBe(50_000);
  });

  it('of templates and spoofed exporters are evicted, counted and logged', async () => {
    // 3 MiB of templates of 512 fields from one source, then junk from 64 source ports.
    await send(Array.from({ length: 150 }, (_, i) => templateFlood(256 + i * 4, 4)));
    for (let i = 0; i < 64; i++) await send([Buffer.from('junk')]);
    const templates = await daemon.waitForLog('the template eviction warning', (l) => /templates evicted/.test(l.msg), 15_000);
    expect(templates.evicted).toBeGreaterThan(0);
    expect(templates.template_bytes).toBeLessThanOrEqual((1 << 20) + (64 << 10));
    const exporters = await daemon.waitForLog('the exporter eviction warning', (l) => /exporters forgotten/.test(l.msg), 15_000);
    expect(exporters.evicted).toBeGreaterThanOrEqual(64 - 16);
    const metrics = await (await fetch((await daemon.apiUrl()).replace(/\/api\/v1$/, '/metrics'))).text();
    expect(metrics).toMatch(/floodwatch_flow_template_evictions_total [1-9]/);
    expect(metrics).toMatch(/floodwatch_flow_exporter_evictions_total\{reason="full"\} [1-9]/);
  });

  it('leave a real sampled flood from the same agent to be banned', async () => {
    // 1 in 1000 of 40 000 packets/s (8 times the threshold): 40 samples a second, 4 per datagram.
    const datagrams = Array.from({ length: 20 }, (_, i) =>
      sflowDatagram(
        1000,
        Array.from({ length: 4 }, (_, j) => ({ src: `203.0.113.${1 + ((i * 4 + j) % 250)}`, dst: FLOODED })),
        10 + i,
      ),
    );
    const started = Date.now();
    const sending = (async () => {
      for (const d of datagrams) {
        await send([d]);
        await sleep(100);
      }
    })();
    await waitFor(`a ban of ${FLOODED}`, () => isBanned(stateDir, FLOODED), 10_000);
    console.log(`sampled flood banned ${Date.now() - started} ms after its first datagram`);
    await sending;
    expect(readBans(stateDir).map((b) => b.ip)).toEqual([FLOODED]);
  });
});
