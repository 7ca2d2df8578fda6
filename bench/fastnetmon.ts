// Starts and stops FastNetMon Community 1.2.4 (Debian's) for one benchmark scenario, on its
// own config in a temp dir, and reads its Prometheus counters and CPU time.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuSeconds } from './cpu.js';
import { FASTNETMON_BINARY, ensureFastNetMon } from './fastnetmon-install.js';
import { checkNetworks, writeFastNetMonConfig, type FastNetMonBanOptions, type FastNetMonFiles } from './fastnetmon-config.js';
import { freeUdpPort, tcpPortInUse } from './ports.js';
import { onExit, startProcess, stopProcess, sleep, type StartedProcess } from './processes.js';
import { scrapePrometheus } from './prometheus.js';
import { udpSocketDrops } from './udp-socket.js';

/**
 * FastNetMon 1.2.4's Prometheus counters the benchmark reads. 1.2.4 exports no sFlow counter
 * at all: every decoded sFlow flow sample (like every NetFlow/IPFIX flow) becomes one
 * "simple packet", so `simplePackets` is the sFlow figure when only sFlow is sent.
 */
export const FASTNETMON_COUNTERS = {
  netflowV9Flows: 'fastnetmon_netflow_v9_total_flows',
  netflowV9Datagrams: 'fastnetmon_netflow_v9_total_packets',
  netflowV9UnknownTemplate: 'fastnetmon_netflow_v9_packets_with_unknown_templates',
  ipfixFlows: 'fastnetmon_ipfix_total_flows',
  ipfixDatagrams: 'fastnetmon_ipfix_total_packets',
  ipfixUnknownTemplate: 'fastnetmon_ipfix_packets_with_unknown_templates',
  /** NetFlow v5/v9 and IPFIX datagrams received, all versions. */
  netflowDatagrams: 'fastnetmon_netflow_ipfix_total_packets',
  /** Datagrams FastNetMon's NetFlow collector counted as dropped (receive errors). */
  netflowUdpDrops: 'fastnetmon_netflow_ipfix_udp_packet_drops',
  simplePackets: 'fastnetmon_total_simple_packets_processed',
  unparsedPackets: 'fastnetmon_total_unparsed_packets',
  monitoredHosts: 'fastnetmon_total_number_of_hosts',
} as const;

export interface FastNetMonOptions {
  /** Monitored networks (networks_list). */
  networks: readonly string[];
  /** NetFlow v5/v9/IPFIX UDP port; a free one when omitted. */
  netflowPort?: number;
  /** sFlow UDP port; a free one when omitted. */
  sflowPort?: number;
  /** Prometheus TCP port on 127.0.0.1 (default 9209, FastNetMon's). */
  prometheusPort?: number;
  /** Keep the temp dir (config, log) after stop(). */
  keep?: boolean;
  /** Bans on, with this notify script and pps threshold (the detection-latency scenario). */
  ban?: FastNetMonBanOptions;
  /** Capture these interfaces with AF_PACKET instead of taking NetFlow and sFlow (the mirror scenario). */
  mirrorInterfaces?: readonly string[];
}

export interface FastNetMon {
  readonly pid: number;
  readonly dir: string;
  readonly files: FastNetMonFiles;
  readonly netflowPort: number;
  readonly sflowPort: number;
  readonly metricsUrl: string;
  /** Every series of its /metrics, name (with labels as written) → value. */
  counters(): Promise<Map<string, number>>;
  /** User + system CPU-seconds of the process, all threads, since it started. */
  cpuSeconds(): number;
  /** Datagrams the kernel dropped on its sockets because FastNetMon did not read them in time. */
  kernelDrops(): { netflow: number; sflow: number };
  /** The last lines of its log file. */
  logTail(lines?: number): string;
  stop(): Promise<void>;
}

/** Addresses in the IPv4 networks of `networks`, as FastNetMon counts its monitored hosts. */
function ipv4HostCount(networks: readonly string[]): number {
  return networks.filter((n) => !n.includes(':')).reduce((sum, n) => sum + 2 ** (32 - Number(n.split('/')[1] ?? 32)), 0);
}

function tail(path: string, lines: number): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log file)';
  }
}

async function waitUntilReady(daemon: StartedProcess, url: string, files: FastNetMonFiles, ports: number[], hosts: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  let lastProblem = '';
  while (Date.now() < deadline) {
    if (daemon.hasExited()) {
      throw new Error(`FastNetMon exited during start-up; its log (${files.log}) ends with:\n${tail(files.log, 15)}\n${daemon.output().stderr}`);
    }
    try {
      const metrics = await scrapePrometheus(url, 1000);
      const unbound = ports.filter((p) => udpSocketDrops(p) === undefined);
      const counted = metrics.get(FASTNETMON_COUNTERS.monitoredHosts);
      if (unbound.length) lastProblem = `UDP port(s) ${unbound.join(', ')} not bound yet`;
      else if (hosts > 0 && counted !== hosts) lastProblem = `it monitors ${counted} hosts, expected ${hosts}: is ${url} another FastNetMon?`;
      else return;
    } catch (err) {
      lastProblem = (err as Error).message;
    }
    await sleep(100);
  }
  throw new Error(`FastNetMon not ready within 30 s (${lastProblem}); its log (${files.log}) ends with:\n${tail(files.log, 15)}`);
}

/** Starts FastNetMon on its own config and waits until its Prometheus endpoint answers. */
export async function startFastNetMon(options: FastNetMonOptions): Promise<FastNetMon> {
  checkNetworks(options.networks);
  await ensureFastNetMon();
  const prometheusPort = options.prometheusPort ?? 9209;
  if (await tcpPortInUse(prometheusPort)) {
    throw new Error(
      `127.0.0.1:${prometheusPort} is already taken: another FastNetMon is running (systemctl stop fastnetmon, or stop the other benchmark) or pass another prometheusPort`,
    );
  }
  const netflowPort = options.netflowPort ?? (await freeUdpPort());
  const sflowPort = options.sflowPort ?? (await freeUdpPort());
  const dir = mkdtempSync(join(tmpdir(), 'floodwatch-bench-fastnetmon-'));
  const files = writeFastNetMonConfig({
    dir,
    netflowPort,
    sflowPort,
    networks: options.networks,
    prometheusPort,
    ban: options.ban,
    mirrorInterfaces: options.mirrorInterfaces,
  });
  const child = startProcess('fastnetmon', FASTNETMON_BINARY, ['--configuration_file', files.config, '--log_file', files.log, '--disable_pid_logic'], {
    cwd: dir,
  });
  const metricsUrl = `http://127.0.0.1:${prometheusPort}/metrics`;
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  const forget = options.keep ? () => undefined : onExit(removeDir);
  const stop = async () => {
    await stopProcess(child, { signal: 'SIGTERM', graceMs: 5000 });
    if (!options.keep) removeDir();
    forget();
  };
  try {
    const collectorPorts = options.mirrorInterfaces ? [] : [netflowPort, sflowPort];
    await waitUntilReady(child, metricsUrl, files, collectorPorts, ipv4HostCount(options.networks));
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    pid: child.pid,
    dir,
    files,
    netflowPort,
    sflowPort,
    metricsUrl,
    counters: async () => {
      if (child.hasExited()) throw new Error(`FastNetMon has exited; its log ends with:\n${tail(files.log, 15)}`);
      return scrapePrometheus(metricsUrl);
    },
    cpuSeconds: () => cpuSeconds(child.pid),
    kernelDrops: () => ({ netflow: udpSocketDrops(netflowPort) ?? 0, sflow: udpSocketDrops(sflowPort) ?? 0 }),
    logTail: (lines = 20) => tail(files.log, lines),
    stop,
  };
}
