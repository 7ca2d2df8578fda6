// CPU time of a process, all its threads included, from /proc.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let clockTicks: number | undefined;

/** Clock ticks per second of /proc's times (`getconf CLK_TCK`, 100 on Linux). */
export function clkTck(): number {
  if (clockTicks === undefined) {
    const value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    clockTicks = Number.isFinite(value) && value > 0 ? value : 100;
  }
  return clockTicks;
}

/**
 * User + system CPU-seconds of process `pid` since it started. /proc/PID/stat of a thread
 * group leader sums every thread, live and exited, so this includes all threads.
 */
export function cpuSeconds(pid: number): number {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    throw new Error(`cannot read /proc/${pid}/stat: process ${pid} has exited`);
  }
  // Fields after "(comm)": state is field 3, utime field 14, stime field 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[14 - 3]);
  const stime = Number(fields[15 - 3]);
  return (utime + stime) / clkTck();
}
