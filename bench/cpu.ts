// CPU time of a process, all its threads included, from /proc.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

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

/**
 * CPU-seconds run by the live threads of process `pid`, in nanoseconds' precision: the sum of
 * each thread's /proc/PID/task/TID/schedstat. Threads that exited are not in it, which suits a
 * process measured in its steady state; /proc's 10 ms ticks are too coarse for a few seconds.
 */
export function threadCpuSeconds(pid: number): number {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    throw new Error(`cannot read /proc/${pid}/task: process ${pid} has exited`);
  }
  let nanoseconds = 0;
  for (const tid of tasks) {
    try {
      nanoseconds += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return nanoseconds / 1e9;
}
