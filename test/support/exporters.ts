// Runs the real flow exporters of Debian against a collector port: softflowd and pmacctd.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** softflowd reads the pcap and exports every flow to `port` as NetFlow v5, v9 or IPFIX (10). */
export async function softflowd(pcap: string, port: number, version: 5 | 9 | 10, host = '127.0.0.1'): Promise<void> {
  const target = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  // Never pass -c: in -r mode softflowd then waits for a control client forever.
  await run('softflowd', ['-r', pcap, '-n', target, '-v', String(version)], { timeout: 60_000 });
}

/**
 * pmacctd reads the pcap and exports it as sFlow v5 (sfprobe) or IPFIX/NetFlow v9 (nfprobe).
 * `externalSampling` tells pmacctd the capture was already sampled 1 in N, which it then
 * reports to the collector.
 */
export async function pmacctd(
  dir: string,
  pcap: string,
  port: number,
  plugin: 'sfprobe' | 'nfprobe',
  options: { externalSampling?: number; nfprobeVersion?: 9 | 10 } = {},
): Promise<void> {
  const lines = [
    'daemonize: false',
    `pcap_savefile: ${pcap}`,
    `plugins: ${plugin}`,
    plugin === 'sfprobe' ? `sfprobe_receiver: 127.0.0.1:${port}` : `nfprobe_receiver: 127.0.0.1:${port}`,
    plugin === 'sfprobe' ? 'sfprobe_agentip: 127.0.0.1' : `nfprobe_version: ${options.nfprobeVersion ?? 10}`,
  ];
  if (options.externalSampling) lines.push(`pmacctd_ext_sampling_rate: ${options.externalSampling}`);
  const conf = join(dir, `pmacctd-${plugin}.conf`);
  writeFileSync(conf, lines.join('\n') + '\n');
  try {
    await run('pmacctd', ['-f', conf], { timeout: 60_000 });
  } catch (err) {
    // pmacctd 1.7.7 sometimes exits 1 at the end of the file when its plugin stops first
    // ("no more plugins active"): the export is complete.
    const { code, stderr } = err as { code?: number; stderr?: string };
    if (!(code === 1 && /no more plugins active/.test(stderr ?? ''))) throw err;
  }
}
