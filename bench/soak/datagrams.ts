// The datagrams an attacker sends: flow-export headers with random bodies, real exporters'
// datagrams (the decoders' fixtures) with bits flipped, template floods, and NetFlow v5 records
// built to order (the host spray and the SYN flood).
import { randomBytes, randomInt } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { frame } from '../../test/support/pcap.js';

const FIXTURES = fileURLToPath(new URL('../../crates/flow/testdata', import.meta.url));

/**
 * What real exporters sent (softflowd, pmacctd), from the decoders' fixtures: each capture's
 * datagrams in the order they were sent (templates before the data that needs them).
 */
export function fixtureCaptures(): Buffer[][] {
  const captures = new Map<string, Buffer[]>();
  for (const dir of ['netflow_v5', 'netflow_v9', 'ipfix', 'sflow']) {
    for (const name of readdirSync(join(FIXTURES, dir)).sort()) {
      const capture = /^(.*)-\d+\.bin$/.exec(name)?.[1];
      if (!capture) continue;
      const key = `${dir}/${capture}`;
      captures.set(key, [...(captures.get(key) ?? []), readFileSync(join(FIXTURES, dir, name))]);
    }
  }
  if (captures.size === 0) throw new Error(`no fixture datagram (NAME-NN.bin) under ${FIXTURES}`);
  return [...captures.values()];
}

/** A copy of `datagram` with 1 to 3 random bits flipped, truncated at a random point one time in eight. */
export function mutate(datagram: Buffer): Buffer {
  const copy = Buffer.from(datagram);
  for (let flips = randomInt(1, 4); flips > 0; flips--) copy[randomInt(copy.length)] ^= 1 << randomInt(8);
  return randomInt(8) === 0 ? copy.subarray(0, randomInt(1, copy.length)) : copy;
}

const now = () => Math.floor(Date.now() / 1000);

/** A valid header of one of the four formats followed by up to 1400 random bytes. */
export function randomBodyDatagram(): Buffer {
  const body = randomBytes(randomInt(0, 1400));
  switch (randomInt(4)) {
    case 0: {
      const h = Buffer.alloc(24);
      h.writeUInt16BE(5, 0);
      h.writeUInt16BE(randomInt(1, 31), 2);
      h.writeUInt32BE(randomInt(2 ** 32 - 1), 4);
      h.writeUInt32BE(now(), 8);
      h.writeUInt32BE(randomInt(2 ** 32 - 1), 16);
      h.writeUInt16BE(randomInt(65536), 22); // sampling
      return Buffer.concat([h, body]);
    }
    case 1: {
      const h = Buffer.alloc(20);
      h.writeUInt16BE(9, 0);
      h.writeUInt16BE(randomInt(1, 64), 2);
      h.writeUInt32BE(randomInt(2 ** 32 - 1), 4);
      h.writeUInt32BE(now(), 8);
      h.writeUInt32BE(randomInt(2 ** 32 - 1), 12);
      h.writeUInt32BE(randomInt(4), 16);
      return Buffer.concat([h, body]);
    }
    case 2: {
      const h = Buffer.alloc(16);
      h.writeUInt16BE(10, 0);
      h.writeUInt16BE(16 + body.length, 2);
      h.writeUInt32BE(now(), 4);
      h.writeUInt32BE(randomInt(2 ** 32 - 1), 8);
      h.writeUInt32BE(randomInt(4), 12);
      return Buffer.concat([h, body]);
    }
    default: {
      const h = Buffer.alloc(28);
      h.writeUInt32BE(5, 0);
      h.writeUInt32BE(1, 4); // agent address: IPv4
      h.writeUInt8(127, 8);
      h.writeUInt8(randomInt(256), 11);
      h.writeUInt32BE(randomInt(2 ** 32 - 1), 16); // sequence
      h.writeUInt32BE(randomInt(2 ** 32 - 1), 20); // uptime
      h.writeUInt32BE(randomInt(1, 16), 24); // samples
      return Buffer.concat([h, body]);
    }
  }
}

/** Information elements a template flood uses, with their lengths: common, valid in v9 and IPFIX. */
const FIELDS: [number, number][] = [
  [1, 8],
  [2, 8],
  [4, 1],
  [5, 1],
  [6, 1],
  [7, 2],
  [8, 4],
  [10, 4],
  [11, 2],
  [12, 4],
  [14, 4],
  [16, 4],
  [17, 4],
  [21, 4],
  [22, 4],
  [27, 16],
  [28, 16],
];

/**
 * Datagrams announcing `count` templates (ids from 256) of `fields` fields each, as NetFlow v9
 * (`version` 9) or IPFIX (10), as many templates per datagram as fit in 62 KB.
 */
export function templateFloodDatagrams(version: 9 | 10, count: number, fields: number, sourceId: number): Buffer[] {
  const templateBytes = 4 + 4 * fields;
  const perDatagram = Math.max(1, Math.floor(62_000 / templateBytes));
  const datagrams: Buffer[] = [];
  for (let first = 0; first < count; first += perDatagram) {
    const n = Math.min(perDatagram, count - first);
    const set = Buffer.alloc(4 + n * templateBytes);
    set.writeUInt16BE(version === 9 ? 0 : 2, 0);
    set.writeUInt16BE(set.length, 2);
    let o = 4;
    for (let t = 0; t < n; t++) {
      set.writeUInt16BE(256 + first + t, o);
      set.writeUInt16BE(fields, o + 2);
      o += 4;
      for (let f = 0; f < fields; f++) {
        const [type, length] = FIELDS[(f + t) % FIELDS.length];
        set.writeUInt16BE(type, o);
        set.writeUInt16BE(length, o + 2);
        o += 4;
      }
    }
    datagrams.push(Buffer.concat([flowHeader(version, n, sourceId, 16 + set.length), set]));
  }
  return datagrams;
}

function flowHeader(version: 9 | 10, records: number, sourceId: number, ipfixLength: number): Buffer {
  if (version === 9) {
    const h = Buffer.alloc(20);
    h.writeUInt16BE(9, 0);
    h.writeUInt16BE(records, 2);
    h.writeUInt32BE(Math.floor(process.uptime() * 1000), 4);
    h.writeUInt32BE(now(), 8);
    h.writeUInt32BE(sourceId, 16);
    return h;
  }
  const h = Buffer.alloc(16);
  h.writeUInt16BE(10, 0);
  h.writeUInt16BE(ipfixLength, 2);
  h.writeUInt32BE(now(), 4);
  h.writeUInt32BE(sourceId, 12);
  return h;
}

export interface V5Record {
  src: number;
  dst: number;
  packets: number;
  bytes: number;
  srcPort: number;
  dstPort: number;
  protocol: number;
  tcpFlags: number;
}

export const ipv4Number = (ip: string) => ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);

/** One NetFlow v5 datagram (up to 30 records), each record starting and ending now. */
export function netflowV5(records: V5Record[], sequence: number): Buffer {
  if (records.length > 30) throw new Error(`netflowV5: ${records.length} records, at most 30 fit in a datagram`);
  const uptime = Math.floor(process.uptime() * 1000);
  const d = Buffer.alloc(24 + 48 * records.length);
  d.writeUInt16BE(5, 0);
  d.writeUInt16BE(records.length, 2);
  d.writeUInt32BE(uptime, 4);
  d.writeUInt32BE(now(), 8);
  d.writeUInt32BE(sequence >>> 0, 16);
  records.forEach((r, i) => {
    const o = 24 + 48 * i;
    d.writeUInt32BE(r.src >>> 0, o);
    d.writeUInt32BE(r.dst >>> 0, o + 4);
    d.writeUInt32BE(r.packets, o + 16);
    d.writeUInt32BE(r.bytes, o + 20);
    d.writeUInt32BE(uptime, o + 24);
    d.writeUInt32BE(uptime, o + 28);
    d.writeUInt16BE(r.srcPort, o + 32);
    d.writeUInt16BE(r.dstPort, o + 34);
    d.writeUInt8(r.tcpFlags, o + 37);
    d.writeUInt8(r.protocol, o + 38);
  });
  return d;
}

/**
 * One forged datagram claiming an enormous flood to `target`: an sFlow sample at sampling rate
 * 4 000 000 000, a NetFlow v5 record of 2^32-1 packets sampled 1 in 16383, or an IPFIX record
 * (its template in the same datagram) of 2^62 packets and bytes.
 */
export function forgedDatagram(kind: 'sflow' | 'netflow-v5' | 'ipfix', target: string, sequence: number): Buffer {
  if (kind === 'netflow-v5') {
    const d = netflowV5(
      [
        {
          src: ipv4Number('192.0.2.66'),
          dst: ipv4Number(target),
          packets: 2 ** 32 - 1,
          bytes: 2 ** 32 - 1,
          srcPort: 1024,
          dstPort: 80,
          protocol: 6,
          tcpFlags: 0x02,
        },
      ],
      sequence,
    );
    d.writeUInt16BE(0x4000 | 0x3fff, 22); // deterministic sampling, 1 in 16383
    return d;
  }
  if (kind === 'ipfix') {
    const fields: [number, number][] = [
      [8, 4],
      [12, 4],
      [2, 8],
      [1, 8],
      [4, 1],
    ];
    const template = Buffer.alloc(4 + 4 + 4 * fields.length);
    template.writeUInt16BE(2, 0);
    template.writeUInt16BE(template.length, 2);
    template.writeUInt16BE(300, 4);
    template.writeUInt16BE(fields.length, 6);
    fields.forEach(([id, length], i) => {
      template.writeUInt16BE(id, 8 + 4 * i);
      template.writeUInt16BE(length, 10 + 4 * i);
    });
    const data = Buffer.alloc(4 + 25);
    data.writeUInt16BE(300, 0);
    data.writeUInt16BE(data.length, 2);
    data.writeUInt32BE(ipv4Number('192.0.2.66'), 4);
    data.writeUInt32BE(ipv4Number(target), 8);
    data.writeBigUInt64BE(2n ** 62n, 12);
    data.writeBigUInt64BE(2n ** 62n, 20);
    data.writeUInt8(17, 28);
    return Buffer.concat([flowHeader(10, 2, 1, 16 + template.length + data.length), template, data]);
  }
  const header = frame({ src: '192.0.2.66', dst: target, protocol: 'tcp', srcPort: 1024, dstPort: 80, tcpFlags: 0x02, ipLength: 40, time: 0 });
  const padded = Buffer.alloc(Math.ceil(header.length / 4) * 4);
  header.copy(padded);
  const record = Buffer.alloc(8 + 16);
  record.writeUInt32BE(1, 0); // raw packet header
  record.writeUInt32BE(16 + padded.length, 4);
  record.writeUInt32BE(1, 8); // Ethernet
  record.writeUInt32BE(header.length + 4, 12); // frame length (with the FCS)
  record.writeUInt32BE(4, 16); // stripped
  record.writeUInt32BE(header.length, 20);
  const sample = Buffer.alloc(8 + 32);
  sample.writeUInt32BE(1, 0); // flow sample
  sample.writeUInt32BE(32 + record.length + padded.length, 4);
  sample.writeUInt32BE(sequence >>> 0, 8);
  sample.writeUInt32BE(1, 12); // source id: ifIndex 1
  sample.writeUInt32BE(4_000_000_000, 16); // sampling rate
  sample.writeUInt32BE(4_000_000_000, 20); // sample pool
  sample.writeUInt32BE(1, 36); // one record
  const head = Buffer.alloc(28);
  head.writeUInt32BE(5, 0);
  head.writeUInt32BE(1, 4);
  head.writeUInt32BE(ipv4Number('127.0.0.1'), 8);
  head.writeUInt32BE(sequence >>> 0, 16);
  head.writeUInt32BE(Math.floor(process.uptime() * 1000), 20);
  head.writeUInt32BE(1, 24);
  return Buffer.concat([head, sample, record, padded]);
}
