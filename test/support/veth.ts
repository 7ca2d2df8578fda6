// A veth pair for a test (root only): packets tcpreplay sends into one end come out of the other,
// where a live exporter such as softflowd captures them.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export interface VethPair {
  /** The end tcpreplay sends on. */
  send: string;
  /** The end an exporter captures on. */
  capture: string;
  remove(): void;
}

function ip(args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Creates and brings up a pair with unique names; remove() is safe to call more than once. */
export function createVethPair(): VethPair {
  const name = `fw${randomBytes(4).toString('hex')}`;
  const send = `${name}a`;
  const capture = `${name}b`;
  ip(['link', 'add', send, 'type', 'veth', 'peer', 'name', capture]);
  let removed = false;
  const remove = () => {
    if (removed) return;
    removed = true;
    // Deleting one end deletes its peer.
    try {
      ip(['link', 'del', send]);
    } catch {
      // Already gone.
    }
  };
  try {
    for (const end of [send, capture]) {
      // No router solicitations or neighbour discovery of our own in the capture.
      execFileSync('sysctl', ['-q', '-w', `net.ipv6.conf.${end}.disable_ipv6=1`], { stdio: 'ignore' });
      ip(['link', 'set', end, 'up']);
    }
  } catch (err) {
    remove();
    throw err;
  }
  return { send, capture, remove };
}
