// floodwatch run by ExaBGP as an API process:
//
//   process floodwatch { run /usr/bin/floodwatch run --config /etc/floodwatch.yaml; encoder text; }
//   neighbor 192.0.2.254 { ...; api { processes [ floodwatch ]; } }
//
// Commands go to standard output, one a line, to the neighbors whose `api` names the process.
// ExaBGP answers each command on the process's standard input ("done", "error") and blocks when
// that pipe is full, so the answers are read, and the refusals logged.
import type { Logger } from 'pino';

export class ExabgpStdout {
  private broken: Error | null = null;
  private pendingAnswer = '';

  constructor(
    private readonly output: NodeJS.WritableStream,
    private readonly input: NodeJS.ReadableStream | null,
    private readonly log: Logger,
  ) {
    this.output.on('error', (err: Error) => {
      this.broken = err;
      this.log.error({ action: 'exabgp', err }, 'cannot write to ExaBGP (standard output)');
    });
  }

  /** Starts reading ExaBGP's answers. */
  listen(): void {
    if (!this.input) return;
    this.input.setEncoding('utf8');
    this.input.on('data', (text: string) => this.onAnswers(text));
    this.input.on('end', () => this.log.warn({ action: 'exabgp' }, 'ExaBGP closed standard input: it has stopped'));
    this.input.on('error', (err: Error) => this.log.warn({ action: 'exabgp', err }, "cannot read ExaBGP's answers"));
  }

  stopListening(): void {
    this.input?.removeAllListeners('data');
    this.input?.pause();
  }

  /** Writes the commands, one a line; resolves once they are handed to the pipe. */
  write(lines: readonly string[]): Promise<void> {
    if (lines.length === 0) return Promise.resolve();
    if (this.broken) return Promise.reject(unwritable(this.broken));
    return new Promise((resolve, reject) => {
      this.output.write(lines.map((line) => `${line}\n`).join(''), (err) => {
        if (err) reject(unwritable(err));
        else resolve();
      });
    });
  }

  private onAnswers(text: string): void {
    const lines = (this.pendingAnswer + text).split('\n');
    this.pendingAnswer = lines.pop() ?? '';
    for (const line of lines.map((l) => l.trim())) {
      if (line === 'error') this.log.warn({ action: 'exabgp' }, 'ExaBGP refused a command (its log says which)');
      else if (line === 'shutdown') this.log.info({ action: 'exabgp' }, 'ExaBGP is shutting down');
    }
  }
}

function unwritable(err: Error): Error {
  return new Error(`cannot write to ExaBGP on standard output: ${err.message}`, { cause: err });
}
