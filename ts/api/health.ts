// What GET /healthz reports: whether the sources receive, the engine ticks, the state directory
// takes writes and the actions deliver. For load balancers and watchdogs: one `status`, and the
// reason of each check that fails.
import type { ApiContext } from './context.js';

/** A source that received and then nothing for this long has stopped (exporters send templates and counters every minute or so). */
const SOURCES_STOPPED_AFTER_MS = 120_000;
/** The engine is stalled when its last tick is older than this many tick intervals (and at least 5 s). */
const STALLED_TICKS = 5;

export type CheckStatus = 'ok' | 'failing';

export interface HealthReport {
  status: CheckStatus;
  checks: {
    sources: {
      status: CheckStatus;
      state: 'receiving' | 'waiting' | 'stopped' | 'none';
      received_total: number;
      last_received_at: string | null;
      detail: string;
    };
    engine: { status: CheckStatus; last_tick_at: string | null; detail: string };
    state: { status: CheckStatus; detail: string };
    actions: { status: CheckStatus; failing: string[]; detail: string };
  };
}

export class HealthCheck {
  #received = 0;
  #lastReceivedAt: number | null = null;
  #actionOutcomes = new Map<string, { successes: number; failures: number; dropped: number; failing: boolean }>();

  constructor(
    private readonly context: ApiContext,
    private readonly now: () => number = Date.now,
  ) {}

  report(): HealthReport {
    const checks = { sources: this.#sources(), engine: this.#engine(), state: this.#state(), actions: this.#actions() };
    const status = Object.values(checks).every((check) => check.status === 'ok') ? 'ok' : 'failing';
    return { status, checks };
  }

  #sources(): HealthReport['checks']['sources'] {
    // The snapshot's sources: listed exporters and counts, without the agent interfaces.
    const { sources } = this.context.engine.snapshot(0);
    const configured = sources.listeners.length + sources.mirrors.length;
    const received = sources.exporters.reduce((sum, e) => sum + e.datagrams, 0) + sources.mirrors.reduce((sum, m) => sum + m.packets, 0);
    if (received > this.#received) this.#lastReceivedAt = this.now();
    this.#received = received;
    const base = { received_total: received, last_received_at: iso(this.#lastReceivedAt) };
    if (configured === 0) return { status: 'ok', state: 'none', ...base, detail: 'no flow listener and no mirror port configured' };
    if (this.#lastReceivedAt === null) {
      return {
        status: 'ok',
        state: 'waiting',
        ...base,
        detail: 'nothing received yet: point your exporters at sources.flow.listen (or check the mirror port)',
      };
    }
    const quietMs = this.now() - this.#lastReceivedAt;
    if (quietMs > SOURCES_STOPPED_AFTER_MS) {
      return {
        status: 'failing',
        state: 'stopped',
        ...base,
        detail: `nothing received for ${Math.round(quietMs / 1000)} s: check the exporters and the network path to floodwatch`,
      };
    }
    return { status: 'ok', state: 'receiving', ...base, detail: 'receiving' };
  }

  #engine(): HealthReport['checks']['engine'] {
    const tick = this.context.engineTick?.();
    if (!tick) return { status: 'ok', last_tick_at: null, detail: 'not reported' };
    const limitMs = Math.max(5_000, STALLED_TICKS * tick.intervalMs);
    if (tick.lastAt === null || this.now() - tick.lastAt > limitMs) {
      return { status: 'failing', last_tick_at: iso(tick.lastAt), detail: `detection has not ticked for over ${limitMs / 1000} s: see the log` };
    }
    return { status: 'ok', last_tick_at: iso(tick.lastAt), detail: `ticking every ${tick.intervalMs} ms` };
  }

  #state(): HealthReport['checks']['state'] {
    const health = this.context.store.health();
    if (health.lastFailure === null && !health.bansHeld && health.attacksHeld === 0) return { status: 'ok', detail: `${this.context.store.dir} takes writes` };
    const held = [health.bansHeld ? 'the bans' : null, health.attacksHeld > 0 ? `${health.attacksHeld} attack records` : null].filter(Boolean).join(' and ');
    const failure = health.lastFailure ? `${health.lastFailure.path}: ${health.lastFailure.error}` : 'the last write failed';
    return { status: 'failing', detail: `${failure}${held ? `; ${held} held in memory until it does` : ''}` };
  }

  /** An action is failing when the last events it finished with failed or were dropped, until one is delivered. */
  #actions(): HealthReport['checks']['actions'] {
    const failing: string[] = [];
    for (const [name, counters] of Object.entries(this.context.actionCounters())) {
      const before = this.#actionOutcomes.get(name) ?? { successes: 0, failures: 0, dropped: 0, failing: false };
      const lost = counters.failures + counters.dropped > before.failures + before.dropped;
      const delivered = counters.successes > before.successes;
      const isFailing = lost || (!delivered && before.failing);
      this.#actionOutcomes.set(name, { successes: counters.successes, failures: counters.failures, dropped: counters.dropped, failing: isFailing });
      if (isFailing) failing.push(name);
    }
    if (failing.length === 0) return { status: 'ok', failing, detail: 'delivering' };
    return { status: 'failing', failing, detail: `${failing.join(', ')} gave up on their last events: see the log and floodwatch_action_* in /metrics` };
  }
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
