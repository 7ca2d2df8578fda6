// The live stream (server-sent events at /api/v1/stream): frames to the listeners, and the
// connection's state. It reconnects by itself, whatever happened: a daemon restart, a refusal
// (too many pages open), or a silence longer than a few frames.
import type { LiveFrame } from './types.js';

/** No frame for this long: the connection is deemed lost and opened again. */
const SILENCE_MS = 5000;
const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 10_000;

export type ConnectionState = 'connecting' | 'live' | 'lost' | 'paused';

export class Live {
  #source: EventSource | null = null;
  #listeners = new Set<(frame: LiveFrame) => void>();
  #stateListeners = new Set<(state: ConnectionState) => void>();
  #lastFrameAt = 0;
  #retryMs = RETRY_MIN_MS;
  #retry: number | undefined;
  latest: LiveFrame | null = null;
  /** The frame before the latest, for rates from counters. */
  previous: LiveFrame | null = null;

  constructor(private readonly url = '/api/v1/stream') {
    window.setInterval(() => {
      if (this.#source && this.#lastFrameAt > 0 && Date.now() - this.#lastFrameAt > SILENCE_MS) this.#lost();
    }, 1000);
  }

  /** A page hidden this long closes its stream (the daemon builds no frame for nobody) until shown again. */
  closeWhenHidden(afterMs = 60_000): void {
    let timer: number | undefined;
    document.addEventListener('visibilitychange', () => {
      window.clearTimeout(timer);
      if (document.visibilityState === 'hidden') {
        timer = window.setTimeout(() => {
          window.clearTimeout(this.#retry);
          this.#source?.close();
          this.#source = null;
          this.#emitState('paused');
        }, afterMs);
      } else if (!this.#source) {
        this.start();
      }
    });
  }

  start(): void {
    window.clearTimeout(this.#retry);
    this.#source?.close();
    this.#emitState('connecting');
    const source = new EventSource(this.url);
    this.#source = source;
    source.onmessage = (event) => {
      this.#lastFrameAt = Date.now();
      this.#retryMs = RETRY_MIN_MS;
      const frame = JSON.parse(event.data as string) as LiveFrame;
      this.previous = this.latest;
      this.latest = frame;
      this.#emitState('live');
      for (const listener of this.#listeners) listener(frame);
    };
    source.onerror = () => this.#lost();
  }

  onFrame(listener: (frame: LiveFrame) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  onState(listener: (state: ConnectionState) => void): void {
    this.#stateListeners.add(listener);
  }

  #lost(): void {
    this.#source?.close();
    this.#source = null;
    this.#lastFrameAt = 0;
    this.#emitState('lost');
    window.clearTimeout(this.#retry);
    this.#retry = window.setTimeout(() => this.start(), this.#retryMs);
    this.#retryMs = Math.min(RETRY_MAX_MS, this.#retryMs * 2);
  }

  #emitState(state: ConnectionState): void {
    for (const listener of this.#stateListeners) listener(state);
  }
}
