// Hands each event (attack started, details, ended, ban, unban) to the integrations that take it,
// each on its own: one that fails is retried with backoff, and one that fails or hangs never
// holds up another, nor the caller. Within an integration, each host's events are delivered in
// order (ban before unban, the attack details after the ban), and different hosts' events proceed
// side by side, a few at a time, so that one slow host does not hold up the others.
import type { Logger } from 'pino';
import { backoffDelay, DEFAULT_RETRY_POLICY, type RetryPolicy } from './backoff.js';
import type { Integration, IntegrationEvent } from './types.js';

export interface DispatcherOptions {
  retry?: Partial<RetryPolicy>;
  /**
   * An attempt still running after this long counts as failed (and is retried), so that a call
   * that never returns cannot block the host's later events forever. Default 5 minutes; an
   * action's own attemptTimeoutMs takes precedence.
   */
  attemptTimeoutMs?: number;
  /** Events waiting for one action (all hosts together) past which new ones are dropped, logged and counted. Default 10000. */
  maxQueuedPerAction?: number;
  /** Hosts whose events one action handles at the same time. Default 8; an action's own concurrency takes precedence. */
  concurrencyPerAction?: number;
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

/** An event an action has not finished with, as the log names it. */
interface UndeliveredEvent {
  action: string;
  event: string;
  ip: string;
  attack_id: string | null;
}

/** One action's events: a queue per host, and the hosts whose next event waits for a free slot. */
interface Lane {
  action: Integration;
  concurrency: number;
  retry: RetryPolicy;
  /** Per host, its events not yet delivered, oldest first; the first one may be in flight. */
  hosts: Map<string, IntegrationEvent[]>;
  /** Hosts with an event waiting for a slot, in turn; a host is here or in flight, never both. */
  ready: string[];
  running: number;
  pending: number;
  counters: Omit<ActionCounters, 'pending'>;
}

/** How many undelivered events a log line lists; the count covers the rest. */
const UNDELIVERED_LOGGED = 50;

export class ActionDispatcher {
  private readonly lanes = new Map<string, Lane>();
  private readonly attemptTimeoutMs: number;
  private readonly maxQueued: number;
  private readonly random: () => number;
  private idleWaiters: (() => void)[] = [];

  constructor(
    actions: readonly Integration[],
    private readonly logger: Logger,
    options: DispatcherOptions = {},
  ) {
    const defaultConcurrency = options.concurrencyPerAction ?? 8;
    const defaultRetry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    for (const action of actions) {
      if (this.lanes.has(action.name)) throw new Error(`two actions are named ${action.name}; names must be unique`);
      const concurrency = action.concurrency ?? defaultConcurrency;
      if (!(concurrency >= 1)) throw new Error(`action ${action.name}: concurrency must be at least 1, not ${concurrency}`);
      const retry = { ...defaultRetry, ...action.retry };
      if (!(retry.attempts >= 1)) throw new Error(`action ${action.name}: retry attempts must be at least 1, not ${retry.attempts}`);
      this.lanes.set(action.name, {
        action,
        concurrency,
        retry,
        hosts: new Map(),
        ready: [],
        running: 0,
        pending: 0,
        counters: { successes: 0, failures: 0, retries: 0, dropped: 0 },
      });
    }
    this.attemptTimeoutMs = options.attemptTimeoutMs ?? 300_000;
    this.maxQueued = options.maxQueuedPerAction ?? 10_000;
    this.random = options.random ?? Math.random;
  }

  get actionNames(): string[] {
    return [...this.lanes.keys()];
  }

  /**
   * Queues the event for every integration that takes it, or for those of them named in `only`
   * (a hostgroup's actions), and returns at once: none starts before this returns.
   */
  dispatch(event: IntegrationEvent, only?: readonly string[]): void {
    for (const name of new Set(only ?? this.lanes.keys())) {
      const lane = this.lanes.get(name);
      if (!lane) {
        this.logger.warn({ action: name, ...describe(event) }, 'no action of that name is configured; skipped');
        continue;
      }
      if (!lane.action.accepts(event)) continue;
      if (lane.pending >= this.maxQueued) {
        lane.counters.dropped++;
        this.logger.error(
          { action: name, ...describe(event), waiting: lane.pending },
          'action has too many events waiting (it keeps failing or is too slow); event dropped',
        );
        continue;
      }
      lane.pending++;
      const host = event.ip;
      const queue = lane.hosts.get(host);
      if (queue) {
        // The host is in flight or in line already: the event follows its earlier ones.
        queue.push(event);
        continue;
      }
      lane.hosts.set(host, [event]);
      lane.ready.push(host);
      this.startReady(lane);
    }
  }

  /**
   * Waits until every event has been delivered or given up on; false if `timeoutMs` passed first,
   * after logging the events still undelivered.
   */
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
        const undelivered = this.undelivered();
        this.logger.warn(
          { pending, undelivered: undelivered.slice(0, UNDELIVERED_LOGGED), undelivered_total: undelivered.length },
          `actions still busy after ${timeoutMs} ms: ${undelivered.length} events undelivered`,
        );
        resolve(false);
      }, timeoutMs);
      this.idleWaiters.push(waiter);
    });
  }

  counters(): Record<string, ActionCounters> {
    const out: Record<string, ActionCounters> = {};
    for (const [name, lane] of this.lanes) {
      out[name] = { ...lane.counters, pending: lane.pending };
    }
    return out;
  }

  /** The events waiting or in progress, per action and host in the order they were dispatched. */
  undelivered(): UndeliveredEvent[] {
    const out: UndeliveredEvent[] = [];
    for (const [name, lane] of this.lanes) {
      for (const queue of lane.hosts.values()) for (const event of queue) out.push({ action: name, ...describe(event) });
    }
    return out;
  }

  /** The events waiting or in progress, whole, with the integration each is for, in dispatch order per host. */
  pendingEvents(): { integration: string; event: IntegrationEvent }[] {
    const out: { integration: string; event: IntegrationEvent }[] = [];
    for (const [integration, lane] of this.lanes) {
      for (const queue of lane.hosts.values()) for (const event of queue) out.push({ integration, event });
    }
    return out;
  }

  private idle(): boolean {
    for (const lane of this.lanes.values()) if (lane.pending > 0) return false;
    return true;
  }

  private startReady(lane: Lane): void {
    while (lane.running < lane.concurrency && lane.ready.length > 0) {
      lane.running++;
      void this.deliverNext(lane, lane.ready.shift()!);
    }
  }

  /** Delivers the host's oldest event, then puts the host back in line behind the others if it has more. */
  private async deliverNext(lane: Lane, host: string): Promise<void> {
    // Off the caller's stack: dispatch() has returned before any action starts.
    await Promise.resolve();
    const queue = lane.hosts.get(host)!;
    // Left in the queue while in flight, so that it counts as pending and later events wait.
    await this.deliver(lane, queue[0]);
    queue.shift();
    lane.pending--;
    if (queue.length > 0) lane.ready.push(host);
    else lane.hosts.delete(host);
    lane.running--;
    this.startReady(lane);
    if (this.idle()) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const waiter of waiters) waiter();
    }
  }

  private async deliver(lane: Lane, event: IntegrationEvent): Promise<void> {
    const name = lane.action.name;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.attempt(lane.action, event);
        lane.counters.successes++;
        if (attempt > 1) this.logger.info({ action: name, ...describe(event), attempt }, 'action succeeded on retry');
        return;
      } catch (err) {
        if (attempt >= lane.retry.attempts) {
          lane.counters.failures++;
          this.logger.error({ action: name, ...describe(event), attempts: attempt, err }, 'action failed; giving up');
          return;
        }
        const delayMs = backoffDelay(lane.retry, attempt, this.random);
        lane.counters.retries++;
        this.logger.warn({ action: name, ...describe(event), attempt, retry_in_ms: delayMs, err }, 'action failed; will retry');
        await sleep(delayMs);
      }
    }
  }

  private attempt(action: Integration, event: IntegrationEvent): Promise<void> {
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

function describe(event: IntegrationEvent): { event: string; ip: string; attack_id: string | null } {
  return { event: event.kind, ip: event.ip, attack_id: event.attack?.id ?? null };
}

function sleep(ms: number): Promise<void> {
  // Unreferenced: a retry waiting must not keep the process alive once it is shutting down.
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
