// FastNetMon 1.2.4's configuration for a benchmark scenario: NetFlow/IPFIX and sFlow on
// loopback ports, the monitored networks, Prometheus on, every action and export off (bans and
// the notify script only when asked for). Keys are those of Debian's /etc/fastnetmon.conf (1.2.4).
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
  /** Detection with bans and the notify script; without it, every ban and action is off. */
  ban?: FastNetMonBanOptions;
  /** Capture these interfaces with AF_PACKET (mirror_afpacket) instead of taking NetFlow and sFlow. */
  mirrorInterfaces?: readonly string[];
}

export interface FastNetMonBanOptions {
  /** Called as SCRIPT IP DIRECTION PPS ACTION. */
  notifyScript: string;
  thresholdPps: number;
}

/**
 * Detection as Debian's /etc/fastnetmon.conf (1.2.4) ships it, apart from the pps threshold.
 * The timing keys are written out because the binary's own defaults differ from the shipped
 * file (average_calculation_time is 15 s in the binary, 5 s in the file).
 */
function banSettings(ban: FastNetMonBanOptions): Record<string, string | number> {
  return {
    enable_ban: 'on',
    enable_ban_ipv6: 'on',
    ban_time: 1900,
    unban_only_if_attack_finished: 'on',
    ban_details_records_count: 20,
    check_period: 1,
    average_calculation_time: 5,
    speed_calculation_delay: 1,
    enable_connection_tracking: 'on',
    ban_for_pps: 'on',
    ban_for_bandwidth: 'on',
    ban_for_flows: 'off',
    threshold_pps: ban.thresholdPps,
    threshold_mbps: 1000,
    threshold_flows: 3500,
    notify_script_path: ban.notifyScript,
  };
}

/** AF_PACKET capture as Debian's /etc/fastnetmon.conf (1.2.4) ships it (fanout mode cpu), flow collectors off. */
function mirrorSettings(interfaces: readonly string[]): Record<string, string | number> {
  if (interfaces.length === 0) throw new Error('FastNetMon mirror capture needs at least one interface');
  return {
    mirror_afpacket: 'on',
    interfaces: interfaces.join(','),
    mirror_af_packet_fanout_mode: 'cpu',
    mirror_af_packet_custom_sampling_rate: 1,
    af_packet_read_packet_length_from_ip_header: 'off',
    netflow: 'off',
    sflow: 'off',
  };
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
    ...(options.ban ? banSettings(options.ban) : {}),
    ...(options.mirrorInterfaces ? mirrorSettings(options.mirrorInterfaces) : {}),
  };
  return (
    Object.entries(settings)
      .map(([key, value]) => `${key} = ${value}`)
      .join('\n') + '\n'
  );
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
