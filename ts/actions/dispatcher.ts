// Hands each ban, unban and attack report to the actions, each on its own: an action that fails
// is retried with backoff, and one that fails or hangs never holds up another, nor the caller.
import type { Logger } from 'pino';
import { backoffDelay, DEFAULT_RETRY_POLICY, type RetryPolicy } from './backoff.js';
import type { Action, ActionEvent } from './types.js';

export interface DispatcherOptions {
  retry?: Partial<RetryPolicy>;
  /**
   * An attempt still running after this long counts as failed (and is retried), so that a call
   * that never returns cannot block the action's later events forever. Default 5 minutes; an
   * action's own attemptTimeoutMs takes precedence.
   */
  attemptTimeoutMs?: number;
  /** Events waiting for one action past which new ones are dropped, logged and counted. Default 10000. */
  maxQueuedPerAction?: number;
  /** For the backoff jitter; returns a number in [0, 1). */
  random?: () => number;
}

export interface ActionCounters {
  /** Events delivered, after retries or not. */
  successes: number;
  /** Events given up on after the last attempt. */
  failures: number;
  /** Attempts that failed and were tried again. */
  retries: number;
  /** Events refused because too many were waiting. */
  dropped: number;
  /** Events waiting or in progress. */
  pending: number;
}

/** One action's events, delivered one at a time, in the order they were dispatched. */
interface Lane {
  action: Action;
  queue: ActionEvent[];
  busy: boolean;
  counters: Omit<ActionCounters, 'pending'>;
}

export class ActionDispatcher {
  private readonly lanes = new Map<string, Lane>();
  private readonly retry: RetryPolicy;
  private readonly attemptTimeoutMs: number;
  private readonly maxQueued: number;
  private readonly random: () => number;
  private idleWaiters: (() => void)[] = [];

  constructor(
    actions: readonly Action[],
    private readonly logger: Logger,
    options: DispatcherOptions = {},
  ) {
    for (const action of actions) {
      if (this.lanes.has(action.name)) throw new Error(`two actions are named ${action.name}; names must be unique`);
      this.lanes.set(action.name, {
        action,
        queue: [],
        busy: false,
        counters: { successes: 0, failures: 0, retries: 0, dropped: 0 },
      });
    }
    this.retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    if (!(this.retry.attempts >= 1)) throw new Error(`retry attempts must be at least 1, not ${this.retry.attempts}`);
    this.attemptTimeoutMs = options.attemptTimeoutMs ?? 300_000;
    this.maxQueued = options.maxQueuedPerAction ?? 10_000;
    this.random = options.random ?? Math.random;
  }

  get actionNames(): string[] {
    return [...this.lanes.keys()];
  }

  /**
   * Queues the event for every action, or for those named in `only` (a hostgroup's actions), and
   * returns at once: no action starts before this returns.
   */
  dispatch(event: ActionEvent, only?: readonly string[]): void {
    for (const name of new Set(only ?? this.lanes.keys())) {
      const lane = this.lanes.get(name);
      if (!lane) {
        this.logger.warn({ action: name, ...describe(event) }, 'no action of that name is configured; skipped');
        continue;
      }
      if (lane.queue.length >= this.maxQueued) {
        lane.counters.dropped++;
        this.logger.error(
          { action: name, ...describe(event), waiting: lane.queue.length },
          'action has too many events waiting (it keeps failing or is too slow); event dropped',
        );
        continue;
      }
      lane.queue.push(event);
      if (!lane.busy) {
        lane.busy = true;
        void this.work(lane);
      }
    }
  }

  /** Waits until every event has been delivered or given up on; false if `timeoutMs` passed first. */
  drain(timeoutMs: number): Promise<boolean> {
    if (this.idle()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((w) => w !== waiter);
        const pending = Object.fromEntries(
          Object.entries(this.counters())
            .filter(([, c]) => c.pending > 0)
            .map(([name, c]) => [name, c.pending]),
        );
        this.logger.warn({ pending }, `actions still busy after ${timeoutMs} ms`);
        resolve(false);
      }, timeoutMs);
      this.idleWaiters.push(waiter);
    });
  }

  counters(): Record<string, ActionCounters> {
    const out: Record<string, ActionCounters> = {};
    for (const [name, lane] of this.lanes) {
      out[name] = { ...lane.counters, pending: lane.queue.length };
    }
    return out;
  }

  private idle(): boolean {
    for (const lane of this.lanes.values()) if (lane.busy) return false;
    return true;
  }

  private async work(lane: Lane): Promise<void> {
    // Off the caller's stack: dispatch() has returned before any action starts.
    await Promise.resolve();
    while (lane.queue.length > 0) {
      // Left in the queue while in flight, so that it counts as pending.
      await this.deliver(lane, lane.queue[0]);
      lane.queue.shift();
    }
    lane.busy = false;
    if (this.idle()) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const waiter of waiters) waiter();
    }
  }

  private async deliver(lane: Lane, event: ActionEvent): Promise<void> {
    const name = lane.action.name;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.attempt(lane.action, event);
        lane.counters.successes++;
        if (attempt > 1) this.logger.info({ action: name, ...describe(event), attempt }, 'action succeeded on retry');
        return;
      } catch (err) {
        if (attempt >= this.retry.attempts) {
          lane.counters.failures++;
          this.logger.error({ action: name, ...describe(event), attempts: attempt, err }, 'action failed; giving up');
          return;
        }
        const delayMs = backoffDelay(this.retry, attempt, this.random);
        lane.counters.retries++;
        this.logger.warn(
          { action: name, ...describe(event), attempt, retry_in_ms: delayMs, err },
          'action failed; will retry',
        );
        await sleep(delayMs);
      }
    }
  }

  private attempt(action: Action, event: ActionEvent): Promise<void> {
    const limitMs = action.attemptTimeoutMs ?? this.attemptTimeoutMs;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`action ${action.name} did not finish within ${limitMs} ms; abandoned`)),
        Math.min(limitMs, MAX_TIMER_MS),
      );
      // Through then(), so that an action that throws instead of rejecting is caught the same way.
      Promise.resolve()
        .then(() => action.run(event))
        .then(
          () => {
            clearTimeout(timer);
            resolve();
          },
          (err: unknown) => {
            clearTimeout(timer);
            reject(err instanceof Error ? err : new Error(String(err)));
          },
        );
    });
  }
}

/** setTimeout fires at once past this. */
const MAX_TIMER_MS = 2 ** 31 - 1;

function describe(event: ActionEvent): { event: string; ip: string; attack_id: string | null } {
  return { event: event.kind, ip: event.ban.ip, attack_id: event.attack?.id ?? null };
}

function sleep(ms: number): Promise<void> {
  // Unreferenced: a retry waiting must not keep the process alive once it is shutting down.
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
