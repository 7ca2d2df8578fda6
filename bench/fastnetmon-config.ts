// FastNetMon 1.2.4's configuration for a benchmark scenario: NetFlow/IPFIX and sFlow on
// loopback ports, the monitored networks, Prometheus on, every action and export off.
// Keys are those of Debian's /etc/fastnetmon.conf (1.2.4); detection settings keep its defaults.
import { writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';

export interface FastNetMonConfigOptions {
  dir: string;
  /** UDP port for NetFlow v5/v9 and IPFIX (1.2.4 takes all three on the same port). */
  netflowPort: number;
  sflowPort: number;
  networks: readonly string[];
  prometheusPort: number;
}

export interface FastNetMonFiles {
  config: string;
  networks: string;
  whitelist: string;
  log: string;
}

/** The fastnetmon.conf text for `options` (files under `options.dir`). */
export function fastNetMonConfigText(options: FastNetMonConfigOptions): string {
  const { dir } = options;
  const settings: Record<string, string | number> = {
    logging_level: 'info',
    logging_local_syslog_logging: 'off',
    logging_remote_syslog_logging: 'off',
    // floodwatch never sends anything anywhere unasked: neither does the reference in our runs.
    disable_usage_report: 'on',
    enable_ban: 'off',
    enable_ban_ipv6: 'off',
    process_incoming_traffic: 'on',
    process_outgoing_traffic: 'on',
    networks_list_path: join(dir, 'networks_list'),
    white_list_path: join(dir, 'networks_whitelist'),
    monitor_local_ip_addresses: 'off',
    monitor_openvz_vps_ip_addresses: 'off',
    mirror_afpacket: 'off',
    mirror_afxdp: 'off',
    mirror_netmap: 'off',
    pcap: 'off',
    netflow: 'on',
    netflow_port: options.netflowPort,
    netflow_host: '127.0.0.1',
    netflow_sampling_ratio: 1,
    sflow: 'on',
    sflow_port: options.sflowPort,
    sflow_host: '127.0.0.1',
    notify_script_path: '',
    collect_attack_pcap_dumps: 'off',
    redis_enabled: 'off',
    mongodb_enabled: 'off',
    exabgp: 'off',
    gobgp: 'off',
    influxdb: 'off',
    graphite: 'off',
    kafka_traffic_export: 'off',
    pid_path: join(dir, 'fastnetmon.pid'),
    cli_stats_file_path: join(dir, 'fastnetmon.dat'),
    cli_stats_ipv6_file_path: join(dir, 'fastnetmon_ipv6.dat'),
    enable_api: 'off',
    prometheus: 'on',
    prometheus_host: '127.0.0.1',
    prometheus_port: options.prometheusPort,
  };
  return Object.entries(settings)
    .map(([key, value]) => `${key} = ${value}`)
    .join('\n') + '\n';
}

/** Throws on anything but ADDRESS/PREFIX: FastNetMon 1.2.4 loads a malformed line silently. */
export function checkNetworks(networks: readonly string[]): void {
  if (networks.length === 0) throw new Error('FastNetMon needs at least one monitored network (ADDRESS/PREFIX)');
  for (const network of networks) {
    const [address, prefix, extra] = network.split('/');
    const family = isIP(address ?? '');
    const bits = Number(prefix);
    if (!family || extra !== undefined || !/^\d+$/.test(prefix ?? '') || bits > (family === 4 ? 32 : 128)) {
      throw new Error(`monitored network "${network}" is not ADDRESS/PREFIX (like 198.51.100.0/24 or 2001:db8::/32)`);
    }
  }
}

/** Writes fastnetmon.conf, networks_list and an empty whitelist into `options.dir`. */
export function writeFastNetMonConfig(options: FastNetMonConfigOptions): FastNetMonFiles {
  checkNetworks(options.networks);
  const files: FastNetMonFiles = {
    config: join(options.dir, 'fastnetmon.conf'),
    networks: join(options.dir, 'networks_list'),
    whitelist: join(options.dir, 'networks_whitelist'),
    log: join(options.dir, 'fastnetmon.log'),
  };
  writeFileSync(files.networks, options.networks.join('\n') + '\n');
  writeFileSync(files.whitelist, '');
  writeFileSync(files.config, fastNetMonConfigText(options));
  return files;
}
