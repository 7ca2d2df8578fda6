// One floodwatch per state directory: `floodwatch.pid` holds the pid of the one running there, so
// that a second one started by mistake refuses to start instead of fighting over the bans.
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { commandLine, isFloodwatch } from '../daemon/port-owners.js';

export const LOCK_FILE = 'floodwatch.pid';

export class StateLockError extends Error {}

export class StateLock {
  readonly path: string;

  private constructor(path: string) {
    this.path = path;
  }

  /** Takes the state directory (which must exist), or throws StateLockError naming its holder. */
  static acquire(dir: string): StateLock {
    const path = join(dir, LOCK_FILE);
    for (let attempt = 0; ; attempt++) {
      try {
        writeFileSync(path, `${process.pid}\n`, { flag: 'wx', mode: 0o644 });
        return new StateLock(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) {
          throw new StateLockError(`cannot create ${path}: ${(error as Error).message} (check that state_dir is writable)`);
        }
      }
      const holder = livingHolder(path);
      if (holder !== null) {
        throw new StateLockError(
          `${dir} is the state directory of another floodwatch (pid ${holder.pid}${holder.command ? `: ${holder.command}` : ''}), ` +
            'which holds its bans: stop that one first, or give this one its own state_dir and its own ports ' +
            `(sources.flow.listen, api.listen); if no floodwatch runs there, remove ${path}`,
        );
      }
      // Left by a floodwatch that did not stop cleanly (kill -9, a crash, a reboot).
      unlinkSync(path);
    }
  }

  /** Gives the directory up, unless another process took it meanwhile. */
  release(): void {
    try {
      if (readPid(this.path) === process.pid) unlinkSync(this.path);
    } catch {
      // Gone already.
    }
  }
}

function livingHolder(path: string): { pid: number; command?: string } | null {
  const pid = readPid(path);
  if (pid === null || pid === process.pid || !isAlive(pid)) return null;
  const command = commandLine(pid);
  // A pid reused after a reboot by some other program does not hold the directory.
  if (command !== undefined && !isFloodwatch(command)) return null;
  return { pid, command };
}

function readPid(path: string): number | null {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** A zombie (killed, not yet reaped by its parent) holds nothing any more. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}
