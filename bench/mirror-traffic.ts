// The mirror scenario's traffic as a trafgen packet configuration: minimum-size frames (60
// bytes, 64 on a wire with the FCS), UDP and TCP in turn, from outside sources towards monitored
// hosts. trafgen sends the configuration's packets round robin.
import { monitoredHosts } from './traffic.js';

export const MIRROR_FRAME_BYTES = 60;

/** Source addresses in 100.64.0.0/10, outside the monitored networks. */
const source = (i: number) => `100.64.${(i >> 8) & 255}.${i & 255}`;

/** Ethernet 14 + IPv4 20 + UDP 8 + 18 bytes of payload, or + TCP 20 + 6 bytes of payload. */
function frame(i: number, destination: string): string {
  // A unicast destination MAC that is not the capture end's: the IP stack drops the frame as
  // PACKET_OTHERHOST right after the capture taps, so nothing is routed or answered.
  const eth = 'eth(da=02:00:00:00:00:02, sa=02:00:00:00:00:01, type=0x0800)';
  const ip = `ipv4(sa=${source(i)}, da=${destination}, ttl=64)`;
  const sourcePort = 1024 + (i % 50_000);
  const transport = i % 2 === 0 ? `udp(sp=${sourcePort}, dp=53), fill(0x00, 18)` : `tcp(sp=${sourcePort}, dp=443, ack, psh), fill(0x00, 6)`;
  return `{ ${eth}, ${ip}, ${transport} }`;
}

/** One UDP and one TCP frame to each of `hosts` monitored hosts. */
export function mirrorTrafficConfig(hosts: number): string {
  const lines: string[] = [];
  monitoredHosts(hosts).forEach((destination, h) => {
    lines.push(frame(2 * h, destination), frame(2 * h + 1, destination));
  });
  return lines.join('\n') + '\n';
}
