// The REST API's connections: at most `cap` at once (the kernel's accept queue holds the next
// ones only until node closes them), idle ones closed, and both counted for /metrics.
import type { Server } from 'node:http';
import type { Logger } from 'pino';

/** A refusal is logged at most this often, with the count since the last one. */
const REFUSAL_LOG_INTERVAL_MS = 60_000;

export interface ConnectionStats {
  open(): number;
  refused(): number;
  max(): number;
}

export class ConnectionLimit implements ConnectionStats {
  readonly #server: Server;
  readonly #log: Logger;
  #open = 0;
  #refused = 0;
  #refusedUnlogged = 0;
  #lastLog = -Infinity;

  constructor(server: Server, cap: number, log: Logger) {
    this.#server = server;
    this.#log = log;
    server.maxConnections = cap;
    server.on('connection', (socket) => {
      this.#open++;
      socket.once('close', () => this.#open--);
    });
    server.on('drop', (data) => this.#onDrop(data?.remoteAddress));
  }

  open(): number {
    return this.#open;
  }

  refused(): number {
    return this.#refused;
  }

  max(): number {
    return this.#server.maxConnections;
  }

  #onDrop(client: string | undefined): void {
    this.#refused++;
    this.#refusedUnlogged++;
    const now = performance.now();
    if (now - this.#lastLog < REFUSAL_LOG_INTERVAL_MS) return;
    this.#lastLog = now;
    this.#log.warn(
      { refused: this.#refusedUnlogged, client, open: this.#open, max: this.max() },
      'REST API connections refused: as many are open as api.max_connections allows (idle ones close after api.idle_timeout_seconds)',
    );
    this.#refusedUnlogged = 0;
  }
}
