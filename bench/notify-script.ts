// A FastNetMon-style notify script for the benchmark: appends one line per call to a log file,
// the wall-clock time first, then its arguments (IP DIRECTION PPS ACTION). Both systems call it
// the same way, so that the time of the ban is taken by the same clock and the same tool.
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sleep } from './processes.js';

export interface NotifyScript {
  path: string;
  log: string;
}

export interface NotifyCall {
  /** Seconds since the epoch, from `date +%s.%N`. */
  time: number;
  ip: string;
  direction: string;
  pps: number;
  action: string;
}

/** Writes `notify.sh` and its (not yet existing) log file path into `dir`. */
export function writeNotifyScript(dir: string): NotifyScript {
  const path = join(dir, 'notify.sh');
  const log = join(dir, 'notify.log');
  // The time is taken before anything else. Standard input (the attack report) is read to its
  // end afterwards: FastNetMon writes it through popen and must not get SIGPIPE.
  writeFileSync(path, `#!/bin/sh\necho "$(date +%s.%N) $*" >> '${log}'\ncat > /dev/null\n`);
  chmodSync(path, 0o755);
  return { path, log };
}

/** An address as one spelling: FastNetMon writes IPv6 addresses with leading zeros (2001:0db8::0007). */
function canonical(ip: string): string {
  return ip.includes(':') ? new URL(`http://[${ip}]/`).hostname : ip;
}

export function notifyCalls(script: NotifyScript): NotifyCall[] {
  if (!existsSync(script.log)) return [];
  return readFileSync(script.log, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [time, ip, direction, pps, action] = line.trim().split(/\s+/);
      return { time: Number(time), ip, direction, pps: Number(pps), action };
    });
}

/**
 * The first `ban` call for `ip`, polled every 10 ms until `deadline` (epoch ms); null if none
 * came. Throws what `failure` returns as soon as it returns something.
 */
export async function waitForBan(script: NotifyScript, ip: string, deadline: number, failure?: () => string | undefined): Promise<NotifyCall | null> {
  while (Date.now() < deadline) {
    const ban = notifyCalls(script).find((c) => c.action === 'ban' && canonical(c.ip) === canonical(ip));
    if (ban) return ban;
    const problem = failure?.();
    if (problem) throw new Error(problem);
    await sleep(10);
  }
  return null;
}
