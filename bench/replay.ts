// Sends a datagram pcap to a collector with floodwatch-replay (crates/replay): the UDP
// payloads over and over with sendmmsg, for a fixed time, at full speed or a fixed rate.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCommand, sleep } from './processes.js';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');
export const REPLAYER = join(REPO, 'target', 'release', 'floodwatch-replay');

export interface ReplayReport {
  datagrams: number;
  bytes: number;
  seconds: number;
  datagrams_per_second: number;
  errors: number;
}

/**
 * Builds floodwatch-replay (a no-op when it is up to date) and returns its path. When the
 * workspace does not build because another crate is mid-edit, retries, then falls back on
 * the binary already built.
 */
export async function buildReplayer(): Promise<string> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      await runCommand('cargo', ['build', '--release', '-p', 'floodwatch-replay'], { cwd: REPO, timeoutMs: 900_000 });
      return REPLAYER;
    } catch (err) {
      lastError = err;
      if (attempt < 3) await sleep(20_000);
    }
  }
  if (existsSync(REPLAYER)) {
    console.error(`warning: cargo build -p floodwatch-replay failed; using the binary built before (${REPLAYER})`);
    return REPLAYER;
  }
  throw new Error(`cannot build floodwatch-replay: run \`cargo build --release -p floodwatch-replay\` in ${REPO} and fix what it reports\n${String(lastError)}`);
}

/** Replays `pcap` to 127.0.0.1:`port` for `seconds`, at `rate` datagrams/s or full speed. */
export async function replay(options: { pcap: string; port: number; seconds: number; rate?: number }): Promise<ReplayReport> {
  if (!existsSync(REPLAYER)) throw new Error(`${REPLAYER} is missing: call buildReplayer() first`);
  const args = ['--pcap', options.pcap, '--target', `127.0.0.1:${options.port}`, '--seconds', String(options.seconds)];
  if (options.rate !== undefined) args.push('--rate', String(options.rate));
  const { stdout } = await runCommand(REPLAYER, args, { timeoutMs: (options.seconds + 60) * 1000 });
  const line = stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as ReplayReport;
  } catch {
    throw new Error(`floodwatch-replay printed no JSON report: ${JSON.stringify(stdout)}`);
  }
}
