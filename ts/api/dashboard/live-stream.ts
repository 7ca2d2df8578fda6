// The dashboard's live stream (server-sent events): once a second, one frame built for all open
// pages and written to each as the same text. Bounded: at most `maxStreams` at once, and a page
// that does not read what it is sent (its socket's buffer keeps growing) is dropped.
import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import { ProblemError } from '../problem.js';

/** A page with more than this unread is too slow: its stream is closed (it reconnects by itself). */
const MAX_UNREAD_BYTES = 1024 * 1024;
/** How long a browser waits before reconnecting a closed stream. */
const RETRY_MS = 2000;

export interface LiveStreamOptions {
  /** The frame of this tick, as JSON. */
  frame: () => string;
  intervalMs: number;
  maxStreams: number;
  log: Logger;
}

export class LiveStream {
  readonly #options: LiveStreamOptions;
  readonly #clients = new Set<ServerResponse>();
  #timer: NodeJS.Timeout | null = null;
  #frames = 0;
  #dropped = 0;

  constructor(options: LiveStreamOptions) {
    this.#options = options;
  }

  get open(): number {
    return this.#clients.size;
  }

  /** Frames built since the start: one per tick while any page is open. */
  get frames(): number {
    return this.#frames;
  }

  /** Streams closed because their page did not read them. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Takes the request's connection over and streams to it until either side closes. */
  attach(reply: FastifyReply): void {
    const { maxStreams } = this.#options;
    if (this.#clients.size >= maxStreams) {
      throw new ProblemError(
        503,
        'too-many-requests',
        'Too many live streams',
        `${maxStreams} dashboard pages are open, as many as this API streams to (a quarter of api.max_connections, at most 32): close a page or tab; this one retries by itself`,
        { 'retry-after': '5' },
      );
    }
    reply.hijack();
    const res = reply.raw;
    // Hijacked: the API's onSend hook does not run, so the headers it adds are set here.
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'x-accel-buffering': 'no',
    });
    // Written to every second, never idle: api.idle_timeout_seconds (as short as 1 s) must not
    // cut it between two frames. A page gone silent is dropped by #send once it stops reading.
    res.socket?.setTimeout(0);
    res.write(`retry: ${RETRY_MS}\n\n`);
    this.#clients.add(res);
    res.once('close', () => this.#detach(res));
    this.#send(res, this.#options.frame());
    this.#timer ??= setInterval(() => this.tick(), this.#options.intervalMs);
  }

  /** Builds this tick's frame once and sends it to every page. */
  tick(): void {
    if (this.#clients.size === 0) return;
    let frame: string;
    try {
      frame = this.#options.frame();
    } catch (err) {
      this.#options.log.error({ err }, 'the dashboard stream could not build its frame; it tries again next second');
      return;
    }
    this.#frames++;
    for (const res of this.#clients) this.#send(res, frame);
  }

  /** Ends every stream (the API is closing: its connections must go). */
  close(): void {
    for (const res of this.#clients) res.end();
    this.#clients.clear();
    this.#stopTimer();
  }

  #send(res: ServerResponse, frame: string): void {
    if (res.writableLength > MAX_UNREAD_BYTES) {
      this.#dropped++;
      this.#options.log.warn({ client: res.req.socket.remoteAddress, unread_bytes: res.writableLength }, 'dashboard stream closed: the page does not read it');
      res.destroy();
      this.#detach(res);
      return;
    }
    res.write(`data: ${frame}\n\n`);
  }

  #detach(res: ServerResponse): void {
    this.#clients.delete(res);
    if (this.#clients.size === 0) this.#stopTimer();
  }

  #stopTimer(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }
}

/** The streams allowed at once: a quarter of the API's connections, 1 to 32. */
export function liveStreamCap(connectionCap: number): number {
  return Math.max(1, Math.min(32, Math.floor(connectionCap / 4)));
}
