// FastNetMon's keys during an import: their values, which were carried and which were not and
// why, and the reasons for the keys floodwatch has no equivalent for.

const IP_LENGTH = 'floodwatch always counts IP-layer bytes, the IP total length';
const CONSOLE_CLIENT = "a setting of FastNetMon's console client: use `floodwatch top`";

const NOT_CARRIED_KEYS: Record<string, string> = {
  disable_usage_report: 'floodwatch never sends usage reports',
  dump_all_traffic: 'floodwatch does not log traffic: use `floodwatch top` or the REST API',
  dump_other_traffic: 'floodwatch does not log traffic: use `floodwatch top` or the REST API',
  ban_details_records_count: 'floodwatch has no setting for the number of packets kept in an attack report',
  check_period: CONSOLE_CLIENT,
  sort_parameter: CONSOLE_CLIENT,
  max_ips_in_list: CONSOLE_CLIENT,
  enable_connection_tracking: 'floodwatch always counts flows per second, from a cardinality estimate, without a connection table',
  speed_calculation_delay: 'floodwatch updates speeds and checks thresholds every counters.tick_ms, 100 ms by default',
  collect_attack_pcap_dumps: 'floodwatch keeps a packet sample of each attack when the source gives packets',
  monitor_local_ip_addresses: "floodwatch monitors the networks listed and nothing else: add this machine's addresses to networks if they are not in it",
  monitor_openvz_vps_ip_addresses: 'floodwatch does not discover OpenVZ/Virtuozzo containers: add their addresses to networks',
  pid_path: 'run floodwatch under systemd, which tracks its process',
  enable_api: "floodwatch's REST API (/api/v1) takes the place of FastNetMon's gRPC API",
  pcap: 'floodwatch does not capture live through libpcap: capture the interface with AF_PACKET (sources.mirror) instead; `floodwatch replay FILE.pcap` reads pcap files',
  mirror_netmap: 'floodwatch has no netmap capture (FreeBSD): on Linux it captures mirror ports with AF_PACKET or AF_XDP (sources.mirror)',
};

const NOT_CARRIED_FAMILIES: [RegExp, string][] = [
  [/_read_packet_length_from_ip_header$/, IP_LENGTH],
  [/^logging_(local|remote)_syslog/, 'floodwatch logs JSON lines to standard output: route them to syslog with journald or your log shipper'],
  [/^netmap_/, 'a setting of netmap capture (FreeBSD), which floodwatch does not have'],
  [/^prometheus/, 'floodwatch serves Prometheus metrics at GET /metrics on its REST API'],
  [/^cli_stats_/, '`floodwatch top` and the REST API show the current traffic'],
];

/** Features whose loss deserves more than a line among the others when FastNetMon has them on. */
export const FEATURES_NOT_CARRIED = ['mirror_netmap', 'pcap'];

/** Why a key with no floodwatch equivalent is not carried, if it is one of those known. */
export function knownReasonNotCarried(key: string): string | undefined {
  return NOT_CARRIED_KEYS[key] ?? NOT_CARRIED_FAMILIES.find(([pattern]) => pattern.test(key))?.[1];
}

/** Tracks which of FastNetMon's keys were carried or not, and reads their values. */
export class FastnetmonKeys {
  readonly carried = new Set<string>();
  readonly notCarried = new Map<string, string>();
  readonly notes: string[] = [];

  constructor(private readonly values: Map<string, string>) {}

  has(key: string): boolean {
    return this.values.has(key);
  }

  value(key: string): string | undefined {
    return this.values.get(key);
  }

  /** The first decision about a key stands: carried, or not carried. */
  carry(...keys: string[]): void {
    for (const key of keys) if (this.has(key) && !this.notCarried.has(key)) this.carried.add(key);
  }

  skip(key: string, reason: string): void {
    if (this.has(key) && !this.carried.has(key) && !this.notCarried.has(key)) this.notCarried.set(key, reason);
  }

  /** on / off; FastNetMon reads anything but `on` as off, and so does this, saying so. */
  flag(key: string): boolean | undefined {
    const value = this.value(key);
    if (value === undefined) return undefined;
    if (value !== 'on' && value !== 'off') {
      this.notes.push(`${key} = ${value} is neither on nor off: FastNetMon reads it as off, and so does the import`);
    }
    return value === 'on';
  }

  /** A whole number, or undefined (and not carried) when the value is not one. */
  integer(key: string): number | undefined {
    const value = this.value(key);
    if (value === undefined) return undefined;
    if (!/^\d+$/.test(value)) {
      this.skip(key, `'${value}' is not a whole number`);
      return undefined;
    }
    return Number(value);
  }

  remaining(): string[] {
    return [...this.values.keys()].filter((key) => !this.carried.has(key) && !this.notCarried.has(key));
  }
}
