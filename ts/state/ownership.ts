// A state file floodwatch may not read or write because another user owns it (floodwatch run
// once as root, then from its systemd unit): the fix is the owner, and the bans stay where they are.
import { statSync } from 'node:fs';

/** The advice for EACCES/EPERM on `path` in the state directory `dir`; null for other errors. */
export function ownershipAdvice(path: string, dir: string, error: NodeJS.ErrnoException): string | null {
  if (error.code !== 'EACCES' && error.code !== 'EPERM') return null;
  const me = typeof process.getuid === 'function' ? process.getuid() : undefined;
  let owner: number | undefined;
  try {
    owner = statSync(path).uid;
  } catch {
    owner = undefined;
  }
  const whose =
    owner !== undefined && owner !== me ? `belongs to uid ${owner} but floodwatch runs as uid ${me}` : `is not readable and writable by floodwatch (uid ${me})`;
  return (
    `${path} ${whose} (${error.code}): give the state directory to the user floodwatch runs as (chown -R ${me} ${dir}), ` +
    'or run floodwatch as its owner; leave the file where it is: its bans are restored once floodwatch may read it'
  );
}
