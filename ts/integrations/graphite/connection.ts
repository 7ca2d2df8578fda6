// One TCP connection to carbon's plaintext receiver, kept open across pushes and opened again
// when it drops (FastNetMon opens one per batch and takes IPv4 literals only): a host name is
// resolved when the connection opens, and IPv6 works.
import { connect, type Socket } from 'node:net';
import type { PushTransport } from '../traffic-figures/pusher.js';

export interface GraphiteTarget {
  host: string;
  port: number;
  timeout_seconds: number;
}

export class GraphiteConnection implements PushTransport<Buffer> {
  #socket: Socket | null = null;
  #connected = false;
  /** Connections opened, for the log and the tests. */
  connections = 0;

  constructor(private readonly target: GraphiteTarget) {}

  get connected(): boolean {
    return this.#connected;
  }

  async send(body: Buffer): Promise<void> {
    const socket = this.#connected && this.#socket ? this.#socket : await this.#open();
    await new Promise<void>((resolve, reject) => {
      socket.write(body, (err) => (err ? reject(this.#failed(err)) : resolve()));
    });
  }

  async close(): Promise<void> {
    const socket = this.#socket;
    this.#socket = null;
    this.#connected = false;
    if (!socket) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        socket.destroy();
        resolve();
      }, 1000);
      socket.end(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  #where(): string {
    const { host, port } = this.target;
    return `carbon at ${host.includes(':') ? `[${host}]` : host}:${port}`;
  }

  #failed(err: Error): Error {
    this.#drop();
    return new Error(`${this.#where()}: ${err.message}`, { cause: err });
  }

  #drop(): void {
    this.#connected = false;
    this.#socket?.destroy();
    this.#socket = null;
  }

  #open(): Promise<Socket> {
    this.#drop();
    const { host, port, timeout_seconds } = this.target;
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port, timeout: timeout_seconds * 1000 });
      const fail = (err: Error) => {
        socket.destroy();
        reject(new Error(`${this.#where()} is unreachable: ${err.message}`, { cause: err }));
      };
      socket.once('error', fail);
      socket.once('timeout', () => fail(new Error(`no connection within ${timeout_seconds} s`)));
      socket.once('connect', () => {
        socket.off('error', fail);
        socket.removeAllListeners('timeout');
        socket.setTimeout(0);
        socket.setNoDelay(true);
        socket.setKeepAlive(true, 30_000);
        // carbon never answers on this port: anything ending the connection means it is gone.
        socket.on('error', () => this.#lost(socket));
        socket.on('close', () => this.#lost(socket));
        socket.on('end', () => this.#lost(socket));
        socket.resume();
        this.#socket = socket;
        this.#connected = true;
        this.connections++;
        resolve(socket);
      });
    });
  }

  #lost(socket: Socket): void {
    if (this.#socket !== socket) return;
    this.#drop();
  }
}
