// A reader of the dashboard's live stream, as a page's EventSource reads it: the frames as they come.
import type { LiveFrame } from '../../ts/api/dashboard/live-frame.js';

export interface StreamReader {
  status: number;
  headers: Headers;
  /** The next frame's JSON text (waits for it). */
  next(): Promise<string>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

export async function openStream(url: string, headers: Record<string, string> = {}): Promise<StreamReader> {
  const abort = new AbortController();
  const response = await fetch(url, { signal: abort.signal, headers });
  const frames: string[] = [];
  const waiting: { resolve: (frame: string) => void; reject: (err: Error) => void }[] = [];
  let buffer = '';
  let done = false;
  const ended = (async () => {
    if (!response.body) return;
    const decoder = new TextDecoder();
    try {
      for await (const chunk of response.body) {
        buffer += decoder.decode(chunk, { stream: true });
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = event
            .split('\n')
            .filter((line) => line.startsWith('data: '))
            .map((line) => line.slice(6))
            .join('\n');
          if (!data) continue;
          const waiter = waiting.shift();
          if (waiter) waiter.resolve(data);
          else frames.push(data);
        }
      }
    } catch {
      // Aborted by close().
    }
    done = true;
    for (const waiter of waiting.splice(0)) waiter.reject(new Error('the server ended the stream'));
  })();
  return {
    status: response.status,
    headers: response.headers,
    next: () => {
      if (frames.length > 0) return Promise.resolve(frames.shift()!);
      if (done) return Promise.reject(new Error('the server ended the stream'));
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
    },
    ended,
    close: () => abort.abort(),
  };
}

export const parseFrame = (text: string) => JSON.parse(text) as LiveFrame;
