// Which process holds a UDP or TCP port, from /proc/net/{udp,udp6,tcp,tcp6} (the socket's inode
// and owner) and /proc/PID/fd (the process holding that inode). Flow listeners bind with
// SO_REUSEPORT, so a second floodwatch on the same ports would not fail to bind: it would take
// part of the exports in silence. This is how it is caught before binding.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { parseListenAddress } from '../config/listen-address.js';
import { formatAddress } from '../config/prefix.js';

export interface PortHolder {
  /** Undefined when this user may not look at the process's descriptors. */
  pid?: number;
  uid: number;
  /** Its command line, when known: `node /usr/bin/floodwatch run --config ...` */
  command?: string;
}

type Protocol = 'udp' | 'tcp';

/** TCP sockets in LISTEN state; UDP sockets are all "bound". */
const TCP_LISTEN = '0A';

/** The processes holding `listen` (`0.0.0.0:2055`, `[::]:7780`), other than this one. */
export function portHolders(protocol: Protocol, listen: string): PortHolder[] {
  const parsed = parseListenAddress(listen);
  if (!parsed.ok || parsed.value.port === 0) return [];
  const { address, port } = parsed.value;
  const ours = formatAddress(address);
  const family = address.family === 6 ? '6' : '';
  const inodes = new Map<string, number>();
  for (const socket of readSockets(`/proc/net/${protocol}${family}`)) {
    if (socket.port !== port || (protocol === 'tcp' && socket.state !== TCP_LISTEN)) continue;
    if (!isWildcard(socket.address) && !isWildcard(ours) && socket.address !== ours) continue;
    inodes.set(socket.inode, socket.uid);
  }
  if (inodes.size === 0) return [];
  const holders = new Map<number | string, PortHolder>();
  for (const { pid, inode } of socketDescriptors()) {
    const uid = inodes.get(inode);
    if (uid === undefined) continue;
    inodes.delete(inode);
    if (pid !== process.pid) holders.set(pid, { pid, uid, command: commandLine(pid) });
  }
  // Sockets whose process this user may not inspect.
  for (const uid of inodes.values()) holders.set(`uid ${uid}`, { uid });
  return [...holders.values()];
}

/** `floodwatch (pid 1234: node /usr/bin/floodwatch run --config /etc/floodwatch/a.yaml)` */
export function describeHolder(holder: PortHolder): string {
  if (holder.pid === undefined) return `a process of uid ${holder.uid} that this user may not inspect (run as root to see which)`;
  const name = holder.command && isFloodwatch(holder.command) ? 'another floodwatch' : 'another program';
  return `${name} (pid ${holder.pid}${holder.command ? `: ${holder.command}` : ''})`;
}

export function isFloodwatch(command: string): boolean {
  return /floodwatch|cli\/main\.[jt]s/.test(command);
}

interface ProcSocket {
  address: string;
  port: number;
  state: string;
  uid: number;
  inode: string;
}

function readSockets(path: string): ProcSocket[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields.length >= 10)
    .map((fields) => {
      const [hexAddress, hexPort] = fields[1]!.split(':') as [string, string];
      return { address: decodeAddress(hexAddress), port: parseInt(hexPort, 16), state: fields[3]!, uid: Number(fields[7]), inode: fields[9]! };
    });
}

/** /proc/net's addresses are 32-bit words in the host's (little-endian) byte order. */
function decodeAddress(hex: string): string {
  const bytes: number[] = [];
  for (let word = 0; word < hex.length; word += 8) {
    for (let byte = 6; byte >= 0; byte -= 2) bytes.push(parseInt(hex.slice(word + byte, word + byte + 2), 16));
  }
  if (bytes.length === 4) return bytes.join('.');
  const groups = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  // The same canonical form as parseListenAddress's, so that the two compare.
  const parsed = parseListenAddress(`[${groups.join(':')}]:1`);
  return parsed.ok ? formatAddress(parsed.value.address) : groups.join(':');
}

function isWildcard(address: string): boolean {
  return address === '0.0.0.0' || address === '::';
}

function* socketDescriptors(): Generator<{ pid: number; inode: string }> {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const match = /^socket:\[(\d+)\]$/.exec(target);
      if (match) yield { pid: Number(pid), inode: match[1]! };
    }
  }
}

export function commandLine(pid: number): string | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    return text === '' ? undefined : text;
  } catch {
    return undefined;
  }
}
