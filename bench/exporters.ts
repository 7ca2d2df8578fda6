// Runs Debian's flow exporters over a pcap of traffic: softflowd (NetFlow v9, IPFIX) and
// pmacctd's sfprobe (sFlow v5). Each reads the file at full speed and exits at its end.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand } from './processes.js';

/** softflowd exports every flow of `pcap` to 127.0.0.1:`port` as NetFlow v9 (9) or IPFIX (10). */
export async function softflowdExport(dir: string, pcap: string, port: number, version: 9 | 10, flows: number): Promise<void> {
  // Never pass -c: in -r mode softflowd then waits for a control client forever.
  // -m above the flow count: no flow is expired early, every one is flushed at the end.
  await runCommand(
    'softflowd',
    [
      '-r',
      pcap,
      '-n',
      `127.0.0.1:${port}`,
      '-v',
      String(version),
      '-m',
      String(Math.max(8192, Math.ceil(flows * 1.1))),
      '-p',
      join(dir, `softflowd-v${version}.pid`),
    ],
    { timeoutMs: 300_000 },
  );
}

/** pmacctd (sfprobe, 1-in-1 sampling) exports every packet of `pcap` to 127.0.0.1:`port` as sFlow v5. */
export async function pmacctdSflowExport(dir: string, pcap: string, port: number): Promise<void> {
  const conf = join(dir, 'pmacctd-sfprobe.conf');
  writeFileSync(
    conf,
    ['daemonize: false', `pcap_savefile: ${pcap}`, 'plugins: sfprobe', `sfprobe_receiver: 127.0.0.1:${port}`, 'sfprobe_agentip: 127.0.0.1', ''].join('\n'),
  );
  await runCommand('pmacctd', ['-f', conf], {
    timeoutMs: 300_000,
    // pmacctd 1.7.7 sometimes exits 1 at the end of the file when its sfprobe plugin stops
    // first ("no more plugins active"): the export is complete, the capture counts it.
    acceptExit: (code, stderr) => code === 1 && /no more plugins active/.test(stderr),
  });
}
