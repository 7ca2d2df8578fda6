// The kernel's view of a UDP socket: datagrams dropped because its receive buffer was full.
import { readFileSync } from 'node:fs';

/**
 * Datagrams the kernel dropped for the IPv4 UDP socket(s) bound to `port` (the `drops`
 * column of /proc/net/udp), or undefined when nothing is bound to it.
 */
export function udpSocketDrops(port: number): number | undefined {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  let total: number | undefined;
  for (const line of readFileSync('/proc/net/udp', 'utf8').split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 13 || !cols[1].endsWith(`:${hexPort}`)) continue;
    total = (total ?? 0) + Number(cols[cols.length - 1]);
  }
  return total;
}
