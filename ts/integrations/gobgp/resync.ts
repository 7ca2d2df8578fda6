// Bringing gobgpd's RIB back to what the active bans announce: the plan, and the loop that runs it.
import { routeKey, routeSignature, type Route } from './paths.js';

export interface ResyncPlan {
  /** Routes of active bans that gobgpd lacks, or holds with other attributes. */
  announce: Route[];
  /** floodwatch's routes that no active ban announces any more. */
  withdraw: Route[];
}

/**
 * What to change so that, of the routes in `present` (gobgpd's own paths), those that are
 * floodwatch's are exactly `desired`.
 */
export function planResync(desired: readonly Route[], present: readonly Route[], isFloodwatchRoute: (route: Route) => boolean): ResyncPlan {
  const desiredKeys = new Set(desired.map(routeKey));
  const presentSignatures = new Set(present.map(routeSignature));
  const announce = uniqueBy(desired, routeSignature).filter((route) => !presentSignatures.has(routeSignature(route)));
  const withdraw = uniqueBy(present, routeKey).filter((route) => !desiredKeys.has(routeKey(route)) && isFloodwatchRoute(route));
  return { announce, withdraw };
}

function uniqueBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const item of items) if (!seen.has(key(item))) seen.set(key(item), item);
  return [...seen.values()];
}

/** Runs `task` now and then every `intervalMs` after the previous run ended, until stopped. */
export class PeriodicTask {
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #stopped = true;

  constructor(
    private readonly intervalMs: number,
    private readonly task: () => Promise<void>,
  ) {}

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#schedule(0);
  }

  /** Stops the loop; resolves once a run in progress has ended. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#running;
  }

  #schedule(delayMs: number): void {
    // Unreferenced: the loop alone must not keep the process alive.
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#running = this.task()
        .catch(() => {})
        .finally(() => {
          this.#running = null;
          if (!this.#stopped) this.#schedule(this.intervalMs);
        });
    }, delayMs).unref();
  }
}
