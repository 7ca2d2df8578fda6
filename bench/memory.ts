// Resident memory of a process, from /proc.
import { readdirSync, readFileSync } from 'node:fs';

export function residentBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+) kB/m.exec(status);
  return match ? Number(match[1]) * 1024 : 0;
}

/** The process and every descendant, from /proc/PID/task/TID/children. */
function processTree(pid: number): number[] {
  const found = [pid];
  for (let i = 0; i < found.length; i++) {
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${found[i]}/task`);
    } catch {
      continue;
    }
    for (const task of tasks) {
      try {
        for (const child of readFileSync(`/proc/${found[i]}/task/${task}/children`, 'utf8').trim().split(/\s+/)) {
          if (child) found.push(Number(child));
        }
      } catch {
        // the task ended meanwhile
      }
    }
  }
  return found;
}

/** Resident bytes of a process and all its descendants (a daemon's notify scripts, tsx's node). */
export function treeResidentBytes(pid: number): number {
  return processTree(pid).reduce((sum, p) => {
    try {
      return sum + residentBytes(p);
    } catch {
      return sum;
    }
  }, 0);
}
