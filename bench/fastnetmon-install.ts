// Makes sure Debian's FastNetMon is installed, installing it with apt-get when it is missing.
import { runCommand } from './processes.js';

export const FASTNETMON_BINARY = '/usr/sbin/fastnetmon';

async function installedVersion(): Promise<string | undefined> {
  try {
    const { stdout } = await runCommand('dpkg-query', ['-W', '-f', '${Status}\t${Version}', 'fastnetmon'], { timeoutMs: 30_000 });
    const [status, version] = stdout.split('\t');
    return status === 'install ok installed' ? version : undefined;
  } catch {
    return undefined;
  }
}

/** Returns FastNetMon's Debian version, after `apt-get update` and `apt-get install -y fastnetmon` if needed. */
export async function ensureFastNetMon(): Promise<string> {
  const present = await installedVersion();
  if (present) return present;
  console.error('FastNetMon is not installed: running apt-get update && apt-get install -y fastnetmon');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    await runCommand('apt-get', ['update'], { timeoutMs: 600_000, env });
    await runCommand('apt-get', ['install', '-y', 'fastnetmon'], { timeoutMs: 1_200_000, env });
  } catch (err) {
    throw new Error(
      `cannot install FastNetMon (needs root and Debian's repositories; if dpkg is locked, wait for the other apt to finish): ${(err as Error).message}`,
      { cause: err },
    );
  }
  const version = await installedVersion();
  if (!version) throw new Error('apt-get install -y fastnetmon ran but dpkg does not list fastnetmon as installed: run it by hand and read its output');
  return version;
}
