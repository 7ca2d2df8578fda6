// ExaBGP 4.2's named pipe, as floodwatch writes API commands into it.
//
// What works with Debian's ExaBGP 4.2.21 (checked on loopback):
// - ExaBGP does not create the pipes: NAME.in and NAME.out must exist as FIFOs (mkfifo) before it
//   starts, in the first of /run/exabgp/, /run/UID/, /run/, /var/run/exabgp/, /var/run/UID/,
//   /var/run/ (or the same under `--root DIR`) where both exist. NAME is the environment variable
//   `exabgp_api_pipename` (or `exabgp.api.pipename`, or `[exabgp.api] pipename` in exabgp.env),
//   `exabgp` by default; `exabgp.api.cli` must stay true (the default).
// - With them, ExaBGP runs an internal helper process ("api-internal-cli") that holds NAME.in open
//   and hands every line to ExaBGP as if a configured API process had written it, for every
//   neighbor; no `process` or `api { processes [...] }` section is needed. Answers ("done",
//   "error") go to NAME.out, where `exabgpcli` reads them (see answers.ts).
// - The helper runs as ExaBGP's user (`exabgp.daemon.user`, Debian: exabgp): the pipes must be
//   readable and writable by it, or it exits and nothing reads NAME.in.
// - Opening NAME.in with O_WRONLY|O_NONBLOCK fails with ENXIO while no ExaBGP is running, instead
//   of blocking until one starts; that is how floodwatch tells, and sees ExaBGP come back.
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ExabgpAnswers } from './answers.js';

/** A write of at most this many bytes to a pipe is never interleaved with another writer's (Linux). */
const PIPE_BUF = 4096;

/** Nothing reads the pipe, or there is no pipe: ExaBGP is not running as configured. */
export class ExabgpUnreachableError extends Error {
  constructor(
    message: string,
    readonly code: 'ENXIO' | 'ENOENT' | 'EPIPE',
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'ExabgpUnreachableError';
  }
}

export interface ExabgpPipeOptions {
  /** How long a write may wait for ExaBGP to make room in a full pipe. Default 10 s. */
  writeTimeoutMs?: number;
  /** Called for each command ExaBGP refused (answered `error` on NAME.out). */
  onRefused?: () => void;
}

export class ExabgpPipe {
  private readonly writeTimeoutMs: number;
  private readonly answers: ExabgpAnswers | null;

  constructor(
    readonly path: string,
    options: ExabgpPipeOptions = {},
  ) {
    this.writeTimeoutMs = options.writeTimeoutMs ?? 10_000;
    this.answers = path.endsWith('.in') ? new ExabgpAnswers(`${path.slice(0, -'.in'.length)}.out`, { onRefused: options.onRefused }) : null;
  }

  /** ExaBGP's `exabgp_api_pipename`: the pipe's file name without `.in`. */
  get pipeName(): string {
    return basename(this.path).replace(/\.in$/, '');
  }

  /** Writes the commands, one a line; rejects with ExabgpUnreachableError when no ExaBGP reads the pipe. */
  async write(lines: readonly string[]): Promise<void> {
    if (lines.length === 0) return;
    const handle = await this.openForWriting();
    try {
      await this.answers?.expect(lines.length);
      const deadline = Date.now() + this.writeTimeoutMs;
      for (const chunk of atomicChunks(lines)) await this.writeChunk(handle, chunk, deadline);
    } finally {
      await handle.close();
    }
  }

  /** Stops reading ExaBGP's answers. */
  close(): void {
    this.answers?.close();
  }

  /** Whether an ExaBGP holds the pipe open for reading right now. */
  async hasReader(): Promise<boolean> {
    try {
      await (await this.openForWriting()).close();
      return true;
    } catch (err) {
      if (err instanceof ExabgpUnreachableError) return false;
      throw err;
    }
  }

  private async openForWriting(): Promise<FileHandle> {
    let handle: FileHandle;
    try {
      handle = await open(this.path, constants.O_WRONLY | constants.O_NONBLOCK);
    } catch (err) {
      throw this.explain(err as NodeJS.ErrnoException);
    }
    const stats = await handle.stat();
    if (!stats.isFIFO()) {
      await handle.close();
      throw new Error(`${this.path} is not a named pipe: ExaBGP's API pipe is made with mkfifo`);
    }
    return handle;
  }

  private async writeChunk(handle: FileHandle, chunk: Buffer, deadline: number): Promise<void> {
    let offset = 0;
    while (offset < chunk.length) {
      try {
        const { bytesWritten } = await handle.write(chunk, offset, chunk.length - offset);
        offset += bytesWritten;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw this.explain(err as NodeJS.ErrnoException);
        if (Date.now() > deadline) {
          throw new Error(`ExaBGP is not reading ${this.path}: the pipe stayed full for ${this.writeTimeoutMs} ms`, { cause: err });
        }
        await sleep(5);
      }
    }
  }

  private explain(err: NodeJS.ErrnoException): Error {
    const name = this.pipeName;
    switch (err.code) {
      case 'ENXIO':
      case 'EPIPE':
        return new ExabgpUnreachableError(`no ExaBGP is reading ${this.path}: is it running with exabgp_api_pipename=${name}?`, err.code, { cause: err });
      case 'ENOENT':
        return new ExabgpUnreachableError(
          `${this.path} does not exist: create ExaBGP's pipes (mkfifo ${dirname(this.path)}/${name}.in ` +
            `${dirname(this.path)}/${name}.out) and start ExaBGP with exabgp_api_pipename=${name}`,
          'ENOENT',
          { cause: err },
        );
      case 'EACCES':
        return new Error(`cannot write to ExaBGP's pipe ${this.path}: permission denied`, { cause: err });
      default:
        return new Error(`cannot write to ExaBGP's pipe ${this.path}: ${err.message}`, { cause: err });
    }
  }
}

/** Whole lines grouped into writes of at most PIPE_BUF bytes (a longer line goes alone). */
function atomicChunks(lines: readonly string[]): Buffer[] {
  const chunks: Buffer[] = [];
  let pending: Buffer[] = [];
  let size = 0;
  for (const line of lines) {
    const bytes = Buffer.from(`${line}\n`);
    if (size + bytes.length > PIPE_BUF && pending.length > 0) {
      chunks.push(Buffer.concat(pending));
      pending = [];
      size = 0;
    }
    pending.push(bytes);
    size += bytes.length;
  }
  if (pending.length > 0) chunks.push(Buffer.concat(pending));
  return chunks;
}
