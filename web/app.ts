// What every view gets: the live stream, the page's history, and the message line.
import type { History } from './history.js';
import type { Live } from './live.js';

export interface App {
  live: Live;
  history: History;
  /** Shows a message (an error from the server, or a change made) until the next one. */
  say(text: string, kind?: 'error' | 'info'): void;
}

/** A view draws into `main` and returns what to do when the page leaves it. */
export type View = (main: HTMLElement, app: App, param: string | undefined) => () => void;
