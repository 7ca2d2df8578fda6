// The flood injected at a random moment: SYNs to one monitored host at FLOOD_PPS, as NetFlow v5
// records of one packet each from one exporter (a router seeing the attack), sent until the
// notify script is called with `ban` for that host or 8 s have passed.
import { randomInt } from 'node:crypto';
import { waitForBan, type NotifyScript } from '../notify-script.js';
import { ipv4Number, netflowV5, type V5Record } from './datagrams.js';
import { FLOOD_PPS } from './plan.js';
import { paced, SingleSource } from './udp.js';

export interface FloodCheck {
  target: string;
  run: number;
  /** Seconds from the first datagram to the notify script's `ban` call; null: no ban. */
  banSeconds: number | null;
  packetsSent: number;
}

const RECORDS_PER_DATAGRAM = 30;
const FLOOD_SECONDS = 8;

function synRecords(target: number): V5Record[] {
  return Array.from({ length: RECORDS_PER_DATAGRAM }, () => ({
    src: ipv4Number('203.0.113.0') + randomInt(1, 255),
    dst: target,
    packets: 1,
    bytes: 60,
    srcPort: randomInt(1024, 65536),
    dstPort: 443,
    protocol: 6,
    tcpFlags: 0x02,
  }));
}

export async function injectFlood(target: string, run: number, port: number, script: NotifyScript): Promise<FloodCheck> {
  const source = await SingleSource.open();
  const dst = ipv4Number(target);
  let banned = false;
  const startedAt = Date.now();
  const deadline = startedAt + FLOOD_SECONDS * 1000;
  try {
    const sending = paced(
      FLOOD_PPS / RECORDS_PER_DATAGRAM,
      Number.MAX_SAFE_INTEGER,
      deadline,
      (i) => source.send(netflowV5(synRecords(dst), i * RECORDS_PER_DATAGRAM), port),
      () => banned,
      16,
    );
    const ban = await waitForBan(script, target, deadline + 2000);
    banned = true;
    const datagrams = await sending;
    return { target, run, banSeconds: ban ? ban.time - startedAt / 1000 : null, packetsSent: datagrams * RECORDS_PER_DATAGRAM };
  } finally {
    banned = true;
    source.close();
  }
}
