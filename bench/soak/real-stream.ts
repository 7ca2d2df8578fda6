// The real exporter: softflowd reads a generated capture and exports it as NetFlow v9, from a
// new source port each time, to the daemon; the per-host totals of the capture are known
// exactly, and each replay goes to hosts of its own, so that it is checked on the daemon run
// it was sent to (a restart starts the counters from zero).
import { join } from 'node:path';
import { softflowd } from '../../test/support/exporters.js';
import { writePcap } from '../../test/support/pcap.js';
import { mixedTraffic, type HostTotals } from '../../test/support/traffic.js';
import { sleep } from '../processes.js';
import { udpSocketDrops } from '../udp-socket.js';

export interface ReplayCheck {
  replay: number;
  /** Daemon run (0: the first start) it was sent to. */
  run: number;
  hosts: number;
  exact: number;
  /** `ip direction: packets/bytes got, want` for each host that was off. */
  wrong: string[];
  kernelDrops: number;
}

/** The mixed traffic of the exporter tests, its monitored hosts moved to replay `k`'s own. */
function replayTraffic(k: number) {
  const traffic = mixedTraffic({ ipv6: true });
  const move = (ip: string) =>
    ip.startsWith('198.51.100.')
      ? `198.18.${k}.${ip.slice('198.51.100.'.length)}`
      : ip.startsWith('2001:db8:1::')
        ? `2001:db8:5eed:${k.toString(16)}::${ip.slice('2001:db8:1::'.length)}`
        : ip;
  const want = (map: Map<string, HostTotals>) => new Map([...map].map(([ip, totals]) => [move(ip), totals]));
  return {
    packets: traffic.packets.map((p) => ({ ...p, src: move(p.src), dst: move(p.dst) })),
    incoming: want(traffic.incoming),
    outgoing: want(traffic.outgoing),
  };
}

interface HostView {
  incoming: { packets_total: number; bytes_total: number };
  outgoing: { packets_total: number; bytes_total: number };
}

async function hostView(apiUrl: string, ip: string): Promise<HostView | null> {
  try {
    const r = await fetch(`${apiUrl}/hosts/${encodeURIComponent(ip)}`, { signal: AbortSignal.timeout(5000) });
    return r.ok ? ((await r.json()) as HostView) : null;
  } catch {
    return null;
  }
}

/**
 * Replay `k` (1..255): softflowd exports its capture to 127.0.0.1:`port`; then the hosts' totals
 * are read until they are exact or 10 s have passed.
 */
export async function replayRealStream(dir: string, k: number, run: number, port: number, apiUrl: string): Promise<ReplayCheck> {
  const traffic = replayTraffic(k);
  const pcap = join(dir, `real-stream-${k}.pcap`);
  writePcap(pcap, traffic.packets);
  const dropsBefore = udpSocketDrops(port) ?? 0;
  await softflowd(pcap, port, 9);
  const expected = [
    ...[...traffic.incoming].map(([ip, want]) => ({ ip, direction: 'incoming' as const, want })),
    ...[...traffic.outgoing].map(([ip, want]) => ({ ip, direction: 'outgoing' as const, want })),
  ];
  const deadline = Date.now() + 10_000;
  let wrong: string[];
  do {
    await sleep(300);
    wrong = [];
    for (const { ip, direction, want } of expected) {
      const got = (await hostView(apiUrl, ip))?.[direction];
      if (!got || got.packets_total !== want.packets || got.bytes_total !== want.bytes) {
        wrong.push(`${ip} ${direction}: ${got ? `${got.packets_total} packets/${got.bytes_total} bytes` : 'not seen'}, want ${want.packets}/${want.bytes}`);
      }
    }
  } while (wrong.length > 0 && Date.now() < deadline);
  return { replay: k, run, hosts: expected.length, exact: expected.length - wrong.length, wrong, kernelDrops: (udpSocketDrops(port) ?? 0) - dropsBefore };
}
