// Writes a file so that a crash leaves either the old content or the new, never a torn one:
// write a temporary file beside it, fsync it, rename it over, fsync the directory. A failed write
// leaves the old file as it was and no temporary file behind.
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** A write that failed: `path` is the file that was to be written, `code` the system's (ENOSPC...). */
export class FileWriteError extends Error {
  readonly path: string;
  readonly code: string | undefined;

  constructor(path: string, cause: unknown) {
    const code = (cause as NodeJS.ErrnoException).code;
    super(`cannot write ${path}: ${(cause as Error).message}`, { cause });
    this.path = path;
    this.code = code;
  }
}

export function writeFileAtomic(path: string, content: string | Buffer): void {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.tmp`);
  try {
    const fd = openSync(tmp, 'w', 0o600);
    try {
      const buffer = typeof content === 'string' ? Buffer.from(content) : content;
      let written = 0;
      while (written < buffer.length) written += writeSync(fd, buffer, written);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    removeQuietly(tmp);
    throw new FileWriteError(path, err);
  }
  try {
    const dirFd = openSync(dir, 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  } catch (err) {
    throw new FileWriteError(path, err);
  }
}

function removeQuietly(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // Nothing to remove where the directory itself is gone or not a directory.
  }
}
