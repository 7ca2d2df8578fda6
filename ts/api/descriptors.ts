// File descriptors: the open-files limit (RLIMIT_NOFILE) and the share of it the REST API may
// take, so that idle clients can never take the descriptors the state directory, the actions and
// the flow sockets need. Node has no getrlimit: the limit is read from /proc/self/limits.
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';

export interface OpenFilesLimit {
  soft: number;
  /** Infinity when unlimited. */
  hard: number;
}

/** Below this, the start-up log asks for a higher limit. */
const LOW_OPEN_FILES_LIMIT = 4096;

/** Descriptors kept out of the API's reach: at most this many, at most half the limit. */
const DESCRIPTOR_RESERVE = 512;

/** The process's open-files limit, or null where /proc does not tell it. */
export function openFilesLimit(limitsFile = '/proc/self/limits'): OpenFilesLimit | null {
  let text: string;
  try {
    text = readFileSync(limitsFile, 'utf8');
  } catch {
    return null;
  }
  const line = /^Max open files\s+(\S+)\s+(\S+)/m.exec(text);
  if (!line) return null;
  const value = (field: string) => (field === 'unlimited' ? Infinity : Number(field));
  const soft = value(line[1]!);
  const hard = value(line[2]!);
  return Number.isNaN(soft) || Number.isNaN(hard) ? null : { soft, hard };
}

/** How many connections the API may hold: api.max_connections, within the limit less the reserve. */
export function connectionCap(maxConnections: number, limit: OpenFilesLimit | null): { cap: number; reserve: number; limitedByDescriptors: boolean } {
  if (!limit || !Number.isFinite(limit.soft)) return { cap: maxConnections, reserve: 0, limitedByDescriptors: false };
  const reserve = Math.min(DESCRIPTOR_RESERVE, Math.floor(limit.soft / 2));
  const available = Math.max(1, limit.soft - reserve);
  return { cap: Math.min(maxConnections, available), reserve, limitedByDescriptors: available < maxConnections };
}

/**
 * Says the limit in force at start. Node raises the soft limit to the hard one as it starts
 * (PlatformInit), so what is left to do is to tell the operator when the hard limit is low.
 */
export function logOpenFilesLimit(log: Logger, limit = openFilesLimit()): void {
  if (!limit) return;
  const fields = { open_files_limit: limit.soft, hard_limit: limit.hard };
  if (limit.soft < LOW_OPEN_FILES_LIMIT) {
    log.warn(
      fields,
      `the open-files limit is ${limit.soft}: raise it (LimitNOFILE= in the systemd unit, or ulimit -Hn and -n) so that the REST API, the state directory and the actions do not run out of descriptors`,
    );
  } else {
    log.info(fields, 'open-files limit');
  }
}
