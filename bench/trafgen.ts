// Sends a fixed number of packets at a fixed rate with trafgen (netsniff-ng) and measures the
// CPU time it used, its kernel work included: on a veth pair the receiving end's processing
// (capture taps, XDP) runs in the sender's context.
import { runCommand } from './processes.js';

export interface TrafgenRun {
  /** Packets trafgen reports as sent. */
  sent: number;
  seconds: number;
  /** User + system CPU-seconds of trafgen and its workers. */
  cpuSeconds: number;
}

export interface TrafgenOptions {
  device: string;
  /** A trafgen packet configuration file. */
  config: string;
  packets: number;
  packetsPerSecond: number;
}

/** `times`' second line: the user and system time of the shell's children. */
function childrenCpuSeconds(times: string): number {
  const line = times.trim().split('\n').pop() ?? '';
  const values = [...line.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  if (values.length !== 2) throw new Error(`cannot read trafgen's CPU time from bash's times: ${JSON.stringify(times)}`);
  return values[0] + values[1];
}

export async function runTrafgen(o: TrafgenOptions): Promise<TrafgenRun> {
  const args = [
    '--dev',
    o.device,
    '--conf',
    o.config,
    '--num',
    String(o.packets),
    // This trafgen (0.6.8) takes pps but not kpps.
    '--rate',
    `${o.packetsPerSecond}pps`,
    // One sending process; and trafgen must not retune global socket memory or IRQ affinity
    // under whatever else runs on the machine.
    '--cpus',
    '1',
    '--no-sock-mem',
    '--notouch-irq',
  ];
  // trafgen exits before its CPU time can be read from /proc: bash's `times` reports it.
  const script = 'trafgen "$@" >&2; status=$?; times; exit $status';
  const started = performance.now();
  const { stdout, stderr } = await runCommand('bash', ['-c', script, 'trafgen', ...args], {
    timeoutMs: 60_000 + (2 * 1000 * o.packets) / o.packetsPerSecond,
  });
  const seconds = (performance.now() - started) / 1000;
  const sent = /(\d+) packets outgoing/.exec(stderr);
  if (!sent) throw new Error(`trafgen did not say how many packets it sent:\n${stderr.trim().split('\n').slice(-10).join('\n')}`);
  return { sent: Number(sent[1]), seconds, cpuSeconds: childrenCpuSeconds(stdout) };
}
