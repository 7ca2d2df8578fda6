// ExaBGP's answers to the commands written into NAME.in come out of NAME.out, one a line
// ("done", "error"), through its helper process. The helper keeps the answers nobody reads and,
// while it holds any, pauses 50 ms between the batches of commands it passes on: ten times
// slower (3000 bans took 10.6 s to reach the peer instead of 1.2 s). So floodwatch reads NAME.out
// while answers to its own commands are due, and only then: the rest of the time it is left to
// exabgpcli, which reads its answers there too.
import { close, constants, fstat, open } from 'node:fs';
import { Socket } from 'node:net';
import { promisify } from 'node:util';

const openFd = promisify(open);
const fstatFd = promisify(fstat);

export interface ExabgpAnswersOptions {
  /** Called for each `error` answer: ExaBGP refused a command (its log says which). */
  onRefused?: () => void;
  /** How long to keep reading after the last answer when fewer came than were due. Default 1 s. */
  idleMs?: number;
}

export class ExabgpAnswers {
  private socket: Socket | null = null;
  private opening: Promise<void> | null = null;
  private due = 0;
  private partial = '';
  private idleTimer: NodeJS.Timeout | null = null;
  private readonly onRefused: () => void;
  private readonly idleMs: number;

  constructor(
    readonly path: string,
    options: ExabgpAnswersOptions = {},
  ) {
    this.onRefused = options.onRefused ?? (() => {});
    this.idleMs = options.idleMs ?? 1_000;
  }

  /** Starts reading, before `count` commands are written. Without a NAME.out, nothing is read. */
  async expect(count: number): Promise<void> {
    this.due += count;
    this.armIdleTimer();
    if (!this.socket) await (this.opening ??= this.open().finally(() => (this.opening = null)));
  }

  close(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    this.socket?.destroy();
    this.socket = null;
    this.due = 0;
    this.partial = '';
  }

  private async open(): Promise<void> {
    let fd: number;
    try {
      // Read and write: the helper opens NAME.out for each answer and closes it after; a reader
      // alone would see the end of the file each time.
      fd = await openFd(this.path, constants.O_RDWR | constants.O_NONBLOCK);
    } catch {
      return;
    }
    let socket: Socket;
    try {
      if (!(await fstatFd(fd)).isFIFO()) throw new Error(`${this.path} is not a named pipe`);
      socket = new Socket({ fd, readable: true, writable: false });
    } catch {
      close(fd, () => {});
      return;
    }
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => this.onAnswers(text));
    socket.on('error', () => this.close());
    this.socket = socket;
  }

  private onAnswers(text: string): void {
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      if (line.trim() === 'error') this.onRefused();
    }
    this.due -= lines.length;
    if (this.due <= 0) this.close();
    else this.armIdleTimer();
  }

  private armIdleTimer(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.close(), this.idleMs).unref();
  }
}
