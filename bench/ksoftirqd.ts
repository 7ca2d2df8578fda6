// CPU time of the kernel's softirq threads: packet processing the kernel could not finish in the
// context that raised it (the sender's, on a veth pair) runs there.
import { readdirSync, readFileSync } from 'node:fs';
import { cpuSeconds } from './cpu.js';

function isKsoftirqd(pid: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').startsWith('ksoftirqd/');
  } catch {
    return false;
  }
}

/** User + system CPU-seconds of every ksoftirqd/N thread since boot. */
export function ksoftirqdCpuSeconds(): number {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry) && isKsoftirqd(entry))
    .reduce((sum, pid) => sum + cpuSeconds(Number(pid)), 0);
}
