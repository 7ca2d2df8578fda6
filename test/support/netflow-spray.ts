// NetFlow v9 datagrams of an address spray: records towards many distinct IPv6 destinations of
// one network, with (optionally) a flood to one host of that network mixed in. Built directly,
// not through softflowd, so that millions of destinations cost no capture file.
import { createSocket, type Socket } from 'node:dgram';

const TEMPLATE_ID = 300;
/** IPV6_SRC_ADDR, IPV6_DST_ADDR, IN_PKTS, IN_BYTES, PROTOCOL, L4_SRC_PORT, L4_DST_PORT, TCP_FLAGS, INPUT_SNMP, OUTPUT_SNMP. */
const FIELDS: [type: number, length: number][] = [
  [27, 16],
  [28, 16],
  [2, 4],
  [1, 4],
  [4, 1],
  [7, 2],
  [11, 2],
  [6, 1],
  [10, 4],
  [14, 4],
];
const RECORD_BYTES = FIELDS.reduce((n, [, length]) => n + length, 0);
export const RECORDS_PER_DATAGRAM = 24;

/** The spray comes from 4096 sources (outside any sprayed /36): none of them is a flood of its own. */
function sprayerSource(datagram: number): string {
  return `2001:db8:2::${(datagram % 4096).toString(16)}`;
}

/** `2001:db8:fXXX:XXXX::1`-style destinations: distinct for i < 2^28 under a /36. */
export function sprayDestination(prefix36: string, i: number): string {
  // prefix36 like '2001:db8:f' : the first 36 bits, as the first two groups and one nibble.
  return `${prefix36}${((i >>> 16) & 0xfff).toString(16).padStart(3, '0')}:${(i & 0xffff).toString(16)}::1`;
}

function ipv6Bytes(text: string): Buffer {
  const [head, tail = ''] = text.split('::');
  const groups = (s: string) => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
  const h = groups(head);
  const t = groups(tail);
  const all = [...h, ...new Array(8 - h.length - t.length).fill(0), ...t];
  const out = Buffer.alloc(16);
  all.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  return out;
}

export interface SprayRecord {
  src: string;
  dst: string;
  packets: number;
  bytes: number;
  /** 6 TCP, 17 UDP. */
  protocol: number;
  srcPort: number;
  dstPort: number;
  tcpFlags: number;
  /** The exporter's interfaces (ifIndex); 0 when not given. */
  inputInterface?: number;
  outputInterface?: number;
}

/** One NetFlow v9 datagram: the template, then the records. */
export function netflowV9Datagram(records: SprayRecord[], sequence: number, unixSeconds = Math.floor(Date.now() / 1000)): Buffer {
  const templateSet = Buffer.alloc(8 + FIELDS.length * 4);
  templateSet.writeUInt16BE(0, 0);
  templateSet.writeUInt16BE(templateSet.length, 2);
  templateSet.writeUInt16BE(TEMPLATE_ID, 4);
  templateSet.writeUInt16BE(FIELDS.length, 6);
  FIELDS.forEach(([type, length], i) => {
    templateSet.writeUInt16BE(type, 8 + i * 4);
    templateSet.writeUInt16BE(length, 10 + i * 4);
  });
  const dataLength = 4 + records.length * RECORD_BYTES;
  const padded = Math.ceil(dataLength / 4) * 4;
  const dataSet = Buffer.alloc(padded);
  dataSet.writeUInt16BE(TEMPLATE_ID, 0);
  dataSet.writeUInt16BE(padded, 2);
  let at = 4;
  for (const r of records) {
    ipv6Bytes(r.src).copy(dataSet, at);
    ipv6Bytes(r.dst).copy(dataSet, at + 16);
    dataSet.writeUInt32BE(r.packets, at + 32);
    dataSet.writeUInt32BE(r.bytes, at + 36);
    dataSet.writeUInt8(r.protocol, at + 40);
    dataSet.writeUInt16BE(r.srcPort, at + 41);
    dataSet.writeUInt16BE(r.dstPort, at + 43);
    dataSet.writeUInt8(r.tcpFlags, at + 45);
    dataSet.writeUInt32BE(r.inputInterface ?? 0, at + 46);
    dataSet.writeUInt32BE(r.outputInterface ?? 0, at + 50);
    at += RECORD_BYTES;
  }
  const header = Buffer.alloc(20);
  header.writeUInt16BE(9, 0);
  header.writeUInt16BE(records.length + 1, 2);
  header.writeUInt32BE(1000, 4);
  header.writeUInt32BE(unixSeconds, 8);
  header.writeUInt32BE(sequence >>> 0, 12);
  header.writeUInt32BE(1, 16);
  return Buffer.concat([header, templateSet, dataSet]);
}

export interface SprayPlan {
  /** The first 36 bits of the sprayed /36, e.g. '2001:db8:f'. */
  prefix36: string;
  destinations: number;
  /** Datagrams a second. */
  rate: number;
  /** A host of the network flooded from `floodFrom` (a fraction of the spray, 0 to 1) on. */
  flood?: { host: string; pps: number; floodFrom: number };
}

/** What the spray sent, and when the flood started (Date.now()), if there is one. */
export interface SprayReport {
  datagrams: number;
  records: number;
  floodStartedAt: number | null;
  floodPackets: number;
  /** How long sending took. */
  seconds: number;
}

/** Sends the spray to 127.0.0.1:`port` at `plan.rate` datagrams a second, paced per 10 ms. */
export async function sendSpray(port: number, plan: SprayPlan, host = '127.0.0.1'): Promise<SprayReport> {
  const socket: Socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  const total = Math.ceil(plan.destinations / RECORDS_PER_DATAGRAM);
  const started = Date.now();
  let next = 0;
  let sent = 0;
  let records = 0;
  let floodStartedAt: number | null = null;
  let floodPackets = 0;
  const floodFrom = plan.flood ? Math.floor(total * plan.flood.floodFrom) : Infinity;
  let lastFloodAt = 0;
  const send = (datagram: Buffer) => new Promise<void>((resolve, reject) => socket.send(datagram, port, host, (err) => (err ? reject(err) : resolve())));
  try {
    while (sent < total) {
      // Never more than 20 ms of datagrams at once: a sender that fell behind sends slower, not in bursts.
      const due = Math.min(total, Math.floor(((Date.now() - started) / 1000) * plan.rate) + 1, sent + Math.ceil(plan.rate / 50));
      const sending: Promise<void>[] = [];
      for (; sent < due; sent++) {
        const batch: SprayRecord[] = [];
        for (let i = 0; i < RECORDS_PER_DATAGRAM && next < plan.destinations; i++, next++) {
          batch.push({
            src: sprayerSource(sent),
            dst: sprayDestination(plan.prefix36, next),
            packets: 1,
            bytes: 120,
            protocol: 17,
            srcPort: 53,
            dstPort: 1024 + (next % 60000),
            tcpFlags: 0,
          });
        }
        if (plan.flood && sent >= floodFrom) {
          // The flood's packets for the time since its last datagram: its rate whatever the sender's.
          const now = Date.now();
          floodStartedAt ??= now;
          const packets = Math.max(1, Math.round((plan.flood.pps * (now - (lastFloodAt || now - 1000 / plan.rate))) / 1000));
          lastFloodAt = now;
          batch.push({
            src: `2001:db8:3::${(sent % 4096).toString(16)}`,
            dst: plan.flood.host,
            packets,
            bytes: packets * 60,
            protocol: 6,
            srcPort: 40000 + (sent % 20000),
            dstPort: 443,
            tcpFlags: 0x02,
          });
          floodPackets += packets;
        }
        records += batch.length;
        sending.push(send(netflowV9Datagram(batch, sent)));
      }
      await Promise.all(sending);
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    socket.close();
  }
  return { datagrams: sent, records, floodStartedAt, floodPackets, seconds: (Date.now() - started) / 1000 };
}
