// Whether floodwatch can write its state directory, checked before anything starts, so that a
// read-only one is named as such (mkdir with `recursive` reports EROFS as ENOENT).
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { ConfigProblem } from './errors.js';

/** Checks state_dir, or where it would be created, without creating anything. */
export function stateDirProblems(stateDir: string): ConfigProblem[] {
  let path = resolve(stateDir);
  // The directory itself, or the nearest ancestor that exists, must take new files.
  for (;;) {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(path).isDirectory();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const parent = dirname(path);
      if (code === 'ENOENT' && parent !== path) {
        path = parent;
        continue;
      }
      return [{ where: 'state_dir', reason: `${path} cannot be read (${(err as Error).message}): set state_dir to a directory floodwatch may write` }];
    }
    if (!isDirectory) return [{ where: 'state_dir', reason: `${path} is not a directory: set state_dir to a directory (it is created when missing)` }];
    try {
      accessSync(path, constants.W_OK | constants.X_OK);
      return [];
    } catch (err) {
      return [{ where: 'state_dir', reason: notWritable(stateDir, path, err as NodeJS.ErrnoException) }];
    }
  }
}

function notWritable(stateDir: string, path: string, err: NodeJS.ErrnoException): string {
  const what = resolve(stateDir) === path ? path : `${path} (where ${stateDir} would be created)`;
  switch (err.code) {
    case 'EROFS':
      return `${what} is on a read-only file system (EROFS): bans and attacks could not be saved; remount it read-write or set state_dir to a writable directory`;
    case 'EACCES':
    case 'EPERM': {
      const user = typeof process.getuid === 'function' ? ` (uid ${process.getuid()})` : '';
      return `${what} is not writable by the user floodwatch runs as${user} (${err.code}): chown or chmod it, or set state_dir to a writable directory`;
    }
    default:
      return `${what} cannot be written (${err.message}): set state_dir to a writable directory`;
  }
}
