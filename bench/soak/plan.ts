// The soak's address plan and daemon configuration. Every packet goes to a loopback port; the
// addresses below only appear inside flow records, chosen so that the checked hosts cannot be
// reached by the attack traffic: a mutated fixture datagram needs more bit flips than it gets
// to turn one of its addresses into a real-stream host or a flood target.
import { join } from 'node:path';
import { stringify } from 'yaml';

/** Real-stream replay `k` (1..255) goes to 198.18.k.0/24 and 2001:db8:5eed:k::/64. */
export const REAL_STREAM_NETWORKS = ['198.18.0.0/16', '2001:db8:5eed::/48'];
/** Flood `k` (0..) goes to 198.19.255.(200+k). */
export const FLOOD_NETWORK = '198.19.0.0/16';
export const floodTarget = (k: number) => `198.19.255.${200 + k}`;
/** The host spray: distinct addresses of 100.64.0.0/11, each in one record. */
export const SPRAY_NETWORK = '100.64.0.0/11';
/** Forged datagrams claiming enormous floods: each to an address of 100.96.0.0/11 of its own. */
export const FORGED_NETWORK = '100.96.0.0/11';
/** The hosts of the decoders' fixtures, which the mutated fixture datagrams go to. */
export const FIXTURE_NETWORK = '198.51.100.0/24';
const inSecondOctets = (ip: string, from: number, to: number) => ip.startsWith('100.') && Number(ip.split('.')[1]) >= from && Number(ip.split('.')[1]) < to;
/**
 * The forged hosts: one forged datagram each, so that a ban of one is a ban on a single
 * datagram's word (a random-bodied record may land on one, but hardly within seconds of its own).
 */
export const isForgedHost = (ip: string) => inSecondOctets(ip, 96, 128);
/** The sprayed hosts: one record each, and now and then a random-bodied record besides. */
export const isSprayedHost = (ip: string) => inSecondOctets(ip, 64, 96);
/** API bans (forced: outside the monitored networks). */
export const banAddress = (n: number) => (n < 256 ? `192.0.2.${n}` : `203.0.113.${n - 256}`);
export const BAN_ADDRESSES = 512;

export const THRESHOLD_PPS = 5000;
/** The flood's rate: far enough above the threshold that a working detector bans within a second. */
export const FLOOD_PPS = 4 * THRESHOLD_PPS;
/** The host table's bound: the spray exceeds it within the run, so eviction is exercised. */
export const MAX_HOSTS = 100_000;

export interface SoakPorts {
  /** The collector port the attack traffic goes to. */
  attack: number;
  /**
   * The real exporter's collector port. Its own socket, so that the floods filling the attack
   * port's kernel receive buffer (a kernel drop, counted by the kernel) cannot lose its
   * datagrams; everything behind the sockets (exporter and template tables, the host table,
   * detection) is shared.
   */
  real: number;
  api: number;
}

/** The daemon's YAML configuration: defaults for everything the soak does not need to set. */
export function soakConfig(dir: string, ports: SoakPorts, token: string, notifyScript: string): string {
  const direction = { pps: THRESHOLD_PPS, mbps: 1000 };
  return stringify({
    state_dir: join(dir, 'state'),
    log_level: 'info',
    sources: { flow: { listen: [`127.0.0.1:${ports.attack}`, `127.0.0.1:${ports.real}`] } },
    networks: [...REAL_STREAM_NETWORKS, FLOOD_NETWORK, SPRAY_NETWORK, FORGED_NETWORK, FIXTURE_NETWORK],
    counters: { max_hosts: MAX_HOSTS },
    thresholds: { incoming: direction, outgoing: direction },
    ban: { enabled: true, time_seconds: 3600 },
    actions: { script: { enabled: true, path: notifyScript, format: 'text', timeout_seconds: 10 } },
    // The ban ledger makes a few mutations a second: the rate limit is not what is soaked.
    api: { enabled: true, listen: `127.0.0.1:${ports.api}`, tokens: [token], mutations_per_minute: 1_000_000 },
  });
}
