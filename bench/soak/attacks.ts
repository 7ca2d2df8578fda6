// The attack traffic of the soak, each kind bounded in count and time: random and mutated
// datagrams and the host spray run the whole soak; template and exporter floods come in bursts.
import { randomInt } from 'node:crypto';
import { fixtureCaptures, forgedDatagram, ipv4Number, mutate, netflowV5, randomBodyDatagram, templateFloodDatagrams } from './datagrams.js';
import { paced, SingleSource, SourcePool, spoofedExporters } from './udp.js';

export interface AttackCounts {
  randomDatagrams: number;
  mutatedDatagrams: number;
  /** Forged datagrams claiming an enormous flood, each to a host of its own. */
  forgedDatagrams: number;
  noiseSourcePorts: number;
  sprayHosts: number;
  templateDatagrams: number;
  templates: number;
  templateSources: number;
  spoofedExporters: number;
}

export const newAttackCounts = (): AttackCounts => ({
  randomDatagrams: 0,
  mutatedDatagrams: 0,
  forgedDatagrams: 0,
  noiseSourcePorts: 0,
  sprayHosts: 0,
  templateDatagrams: 0,
  templates: 0,
  templateSources: 0,
  spoofedExporters: 0,
});

/**
 * Until `deadline`, `rate` times a second, from a pool of 256 source ports renewed one every 20
 * sends, one in ten to `otherPort`: a random-bodied datagram; or a fixture datagram with bits
 * flipped; or a whole fixture capture in order from one source, its datagrams after the first
 * mutated half the time (so that mutated data meets the templates it needs).
 */
export async function noise(counts: AttackCounts, port: number, otherPort: number, rate: number, deadline: number): Promise<void> {
  const captures = fixtureCaptures();
  const pool = await SourcePool.open(256, 20);
  try {
    await paced(rate, Number.MAX_SAFE_INTEGER, deadline, async (i) => {
      counts.noiseSourcePorts = pool.sources;
      const to = i % 10 === 0 ? otherPort : port;
      const capture = captures[randomInt(captures.length)];
      switch (i % 4) {
        case 0:
        case 2:
          counts.randomDatagrams++;
          return pool.send(randomBodyDatagram(), to);
        case 1:
          counts.mutatedDatagrams++;
          return pool.send(mutate(capture[randomInt(capture.length)]), to);
        default:
          counts.mutatedDatagrams += capture.length;
          return pool.sendAll(
            capture.map((d, n) => (n > 0 && randomInt(2) === 0 ? mutate(d) : d)),
            to,
          );
      }
    });
  } finally {
    pool.close();
  }
}

const FORGED_BASE = ipv4Number('100.96.0.0');
const FORGED_KINDS = ['sflow', 'netflow-v5', 'ipfix'] as const;

/** `rate` forged datagrams a second until `deadline`, each from a new source port to a new host of 100.96.0.0/11. */
export async function forged(counts: AttackCounts, port: number, rate: number, deadline: number): Promise<void> {
  const pool = await SourcePool.open(16, 1);
  try {
    await paced(rate, 2 ** 21, deadline, (i) => {
      const n = FORGED_BASE + i;
      const target = `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
      counts.forgedDatagrams++;
      return pool.send(forgedDatagram(FORGED_KINDS[i % 3], target, i), port);
    });
  } finally {
    pool.close();
  }
}

const SPRAY_BASE = ipv4Number('100.64.0.0');
const SPRAY_SIZE = 2 ** 21;

/** NetFlow v5 records of one small packet each to `hostsPerSecond` distinct 100.64.0.0/11 addresses. */
export async function spray(counts: AttackCounts, port: number, hostsPerSecond: number, deadline: number): Promise<void> {
  const source = await SingleSource.open();
  try {
    await paced(hostsPerSecond / 30, Number.MAX_SAFE_INTEGER, deadline, (i) => {
      const records = Array.from({ length: 30 }, (_, r) => ({
        src: ipv4Number('192.0.2.1'),
        dst: SPRAY_BASE + ((i * 30 + r) % SPRAY_SIZE),
        packets: 1,
        bytes: 120,
        srcPort: 53,
        dstPort: 1024 + r,
        protocol: 17,
        tcpFlags: 0,
      }));
      counts.sprayHosts += 30;
      return source.send(netflowV5(records, i * 30), port);
    });
  } finally {
    source.close();
  }
}

/**
 * `sources` exporters (new source ports, one after the other), each announcing `templates`
 * templates of `fields` fields, NetFlow v9 and IPFIX in turn, at `rate` datagrams a second.
 */
export async function templateFlood(
  counts: AttackCounts,
  port: number,
  options: { sources: number; templates: number; fields: number; rate: number; deadline: number },
): Promise<void> {
  // The same templates from every source: each exporter holds its own copy all the same.
  const made = { 9: templateFloodDatagrams(9, options.templates, options.fields, 1), 10: templateFloodDatagrams(10, options.templates, options.fields, 1) };
  const perSource = made[9].length;
  let source: SingleSource | undefined;
  let current = -1;
  try {
    await paced(
      options.rate,
      options.sources * perSource,
      options.deadline,
      async (i) => {
        const s = Math.floor(i / perSource);
        if (s !== current) {
          current = s;
          source?.close();
          source = await SingleSource.open();
          counts.templateSources++;
        }
        const sent = await source!.send(made[s % 2 === 0 ? 9 : 10][i % perSource], port);
        counts.templateDatagrams++;
        if (i % perSource === perSource - 1) counts.templates += options.templates;
        return sent;
      },
      () => false,
      1,
    );
  } finally {
    source?.close();
  }
}

/** `count` exporters from distinct 127.0.0.0/8 addresses and ports, each announcing one small template. */
export async function exporterFlood(counts: AttackCounts, port: number, count: number, deadline: number): Promise<void> {
  const templates = [templateFloodDatagrams(9, 1, 4, 1)[0], templateFloodDatagrams(10, 1, 4, 1)[0]];
  counts.spoofedExporters += await spoofedExporters(count, port, (i) => templates[i % 2], deadline);
}
