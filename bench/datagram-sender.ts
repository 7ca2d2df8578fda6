// Sends a datagram pcap to a collector with floodwatch-datagram-sender (crates/datagram-sender): the UDP
// payloads over and over with sendmmsg, for a fixed time, at full speed or a fixed rate.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCommand, sleep } from './processes.js';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');
export const DATAGRAM_SENDER = join(REPO, 'target', 'release', 'floodwatch-datagram-sender');

export interface SendReport {
  datagrams: number;
  bytes: number;
  seconds: number;
  datagrams_per_second: number;
  errors: number;
}

/**
 * Builds floodwatch-datagram-sender (a no-op when it is up to date) and returns its path. When the
 * workspace does not build because another crate is mid-edit, retries, then falls back on
 * the binary already built.
 */
export async function buildDatagramSender(): Promise<string> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      await runCommand('cargo', ['build', '--release', '-p', 'floodwatch-datagram-sender'], { cwd: REPO, timeoutMs: 900_000 });
      return DATAGRAM_SENDER;
    } catch (err) {
      lastError = err;
      if (attempt < 3) await sleep(20_000);
    }
  }
  if (existsSync(DATAGRAM_SENDER)) {
    console.error(`warning: cargo build -p floodwatch-datagram-sender failed; using the binary built before (${DATAGRAM_SENDER})`);
    return DATAGRAM_SENDER;
  }
  throw new Error(
    `cannot build floodwatch-datagram-sender: run \`cargo build --release -p floodwatch-datagram-sender\` in ${REPO} and fix what it reports\n${String(lastError)}`,
  );
}

/** Replays `pcap` to 127.0.0.1:`port` for `seconds`, at `rate` datagrams/s or full speed. */
export async function sendDatagrams(options: { pcap: string; port: number; seconds: number; rate?: number }): Promise<SendReport> {
  if (!existsSync(DATAGRAM_SENDER)) throw new Error(`${DATAGRAM_SENDER} is missing: call buildDatagramSender() first`);
  const args = ['--pcap', options.pcap, '--target', `127.0.0.1:${options.port}`, '--seconds', String(options.seconds)];
  if (options.rate !== undefined) args.push('--rate', String(options.rate));
  const { stdout } = await runCommand(DATAGRAM_SENDER, args, { timeoutMs: (options.seconds + 60) * 1000 });
  const line = stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as SendReport;
  } catch {
    throw new Error(`floodwatch-datagram-sender printed no JSON report: ${JSON.stringify(stdout)}`);
  }
}
