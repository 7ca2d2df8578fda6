// Sending the soak's datagrams from many loopback sources: a pool of sockets that is renewed as
// it goes (new source ports), one-shot sockets on random 127.0.0.0/8 addresses (new exporters),
// and a pacer that holds a rate for a bounded time.
import { randomInt } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { sleep } from '../processes.js';

const TARGET = '127.0.0.1';

function bound(address: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', (err) => {
      s.close();
      reject(err);
    });
    s.bind(0, address, () => {
      s.removeAllListeners('error');
      // A send that fails (no listener while the daemon restarts) is the attacker's loss, not ours.
      s.on('error', () => undefined);
      resolve(s);
    });
  });
}

function send(socket: Socket, datagram: Buffer, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    try {
      socket.send(datagram, port, TARGET, (err) => resolve(!err));
    } catch {
      resolve(false); // closed meanwhile
    }
  });
}

/** Closes `socket` a second from now, once the sends queued on it are done. */
function retire(socket: Socket): void {
  setTimeout(() => socket.close(), 1000);
}

/** A random address of 127.0.0.0/8 other than 127.0.0.1 (the real exporter's). */
export const randomLoopback = () => `127.${randomInt(256)}.${randomInt(256)}.${randomInt(2, 255)}`;

/** `size` sockets on 127.0.0.1; every `renewEvery` sends one of them is replaced by a new one. */
export class SourcePool {
  #sockets: Socket[] = [];
  #sends = 0;
  /** Distinct source ports used so far. */
  sources = 0;

  private constructor(private readonly renewEvery: number) {}

  static async open(size: number, renewEvery: number): Promise<SourcePool> {
    const pool = new SourcePool(renewEvery);
    for (let i = 0; i < size; i++) pool.#sockets.push(await bound(TARGET));
    pool.sources = size;
    return pool;
  }

  async send(datagram: Buffer, port: number): Promise<boolean> {
    if (++this.#sends % this.renewEvery === 0) {
      const fresh = await bound(TARGET);
      const i = randomInt(this.#sockets.length);
      retire(this.#sockets[i]);
      this.#sockets[i] = fresh;
      this.sources++;
    }
    return send(this.#sockets[randomInt(this.#sockets.length)], datagram, port);
  }

  /** Sends `datagrams` in order from one of the pool's sources, as one exporter would. */
  async sendAll(datagrams: Buffer[], port: number): Promise<void> {
    const socket = this.#sockets[randomInt(this.#sockets.length)];
    for (const d of datagrams) await send(socket, d, port);
  }

  close(): void {
    for (const s of this.#sockets.splice(0)) retire(s);
  }
}

/** One socket on 127.0.0.1, for a stream from one exporter. */
export class SingleSource {
  private constructor(private readonly socket: Socket) {}
  static async open(address = TARGET): Promise<SingleSource> {
    return new SingleSource(await bound(address));
  }
  send(datagram: Buffer, port: number): Promise<boolean> {
    return send(this.socket, datagram, port);
  }
  close(): void {
    this.socket.close();
  }
}

/**
 * `count` new exporters: each a socket on a random 127.0.0.0/8 address and new port that sends
 * `make(i)` once and closes; `parallel` at a time; stops at `deadline` (epoch ms). Returns how
 * many sent.
 */
export async function spoofedExporters(count: number, port: number, make: (i: number) => Buffer, deadline: number, parallel = 64): Promise<number> {
  let next = 0;
  let sent = 0;
  const worker = async () => {
    while (next < count && Date.now() < deadline) {
      const i = next++;
      let socket: Socket;
      try {
        socket = await bound(randomLoopback());
      } catch {
        continue; // that address's ephemeral ports are taken: another address next time
      }
      if (await send(socket, make(i), port)) sent++;
      socket.close();
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return sent;
}

/**
 * Calls `sendOne(i)` at `rate` a second until `count` calls or `deadline` (epoch ms) or `stop()`;
 * a late timer is caught up on, at most `maxBurst` calls at once. Returns the calls made.
 */
export async function paced(
  rate: number,
  count: number,
  deadline: number,
  sendOne: (i: number) => Promise<unknown>,
  stop: () => boolean = () => false,
  maxBurst = 256,
): Promise<number> {
  const start = Date.now();
  let done = 0;
  while (done < count && Date.now() < deadline && !stop()) {
    const due = Math.min(count, Math.floor(((Date.now() - start) / 1000) * rate));
    const burst = Math.min(maxBurst, due - done);
    if (burst > 0) {
      const calls: Promise<unknown>[] = [];
      for (let k = 0; k < burst; k++) calls.push(sendOne(done + k));
      await Promise.all(calls);
      done += burst;
    } else {
      await sleep(5);
    }
  }
  return done;
}
