// What an integration is: one folder under ts/integrations/, described by an IntegrationDefinition
// (its configuration, how check-config and the FastNetMon import see it, its metrics) and built
// into an Integration (what the dispatcher hands events to, with a lifecycle of its own).
import type { Static, TObject } from '@sinclair/typebox';
import type { Logger } from 'pino';
import type { AttackRecord, Ban } from '../attacks/types.js';
import type { ConfigProblem } from '../config/errors.js';
import type { YamlComments } from '../cli/import-fastnetmon/commented-yaml.js';
import type { FastnetmonKeys } from '../cli/import-fastnetmon/keys.js';
import type { Direction, EngineConfig } from '../engine/index.js';
import type { RetryPolicy } from './backoff.js';
import type { FlowEngine } from '../engine/index.js';

export const EVENT_KINDS = ['attack_started', 'attack_details', 'attack_ended', 'ban', 'unban'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/**
 * One thing that happened to one host. Attack events come for every attack, banned or not
 * (monitor-only hostgroups too); ban and unban for every ban, manual ones included.
 */
export interface IntegrationEvent {
  kind: EventKind;
  ip: string;
  direction: Direction;
  hostgroup: string;
  /** The attack; null for a manual ban and its unban, which have no attack behind them. */
  attack: AttackRecord | null;
  /**
   * The host's ban: on ban and unban, and on an attack event when the host is banned for that
   * attack; null otherwise (a monitor-only hostgroup, a host not banned).
   */
  ban: Ban | null;
  /**
   * When it happened (ISO 8601): the ban's time for a ban (also when it is sent again at a
   * start), the moment of the unban, the attack's start or end, the details' time. An event
   * delivered late (retried, saved across a restart) keeps it.
   */
  at: string;
}

export interface Integration {
  /** The registry's name: what hostgroups list in `actions` and what /metrics labels it with. */
  readonly name: string;
  /** Whether the event is for it; the others never reach run(). */
  accepts(event: IntegrationEvent): boolean;
  /** Resolves when the event is delivered; rejects with an Error the operator can act on (it is retried). */
  run(event: IntegrationEvent): Promise<void>;
  /**
   * How long one run can take at most, its own time limits included; the dispatcher abandons a
   * run only past it. Without it, the dispatcher's attemptTimeoutMs applies.
   */
  readonly attemptTimeoutMs?: number;
  /**
   * How many hosts' events it takes at the same time (one host's events always go one after the
   * other). Without it, the dispatcher's concurrencyPerAction applies.
   */
  readonly concurrency?: number;
  /**
   * How it is retried; without it, the dispatcher's policy (5 attempts over about 15 s). An
   * integration that records (a database) sets attempts: Infinity: its events then wait, within
   * the queue's bound, for as long as the server is away.
   */
  readonly retry?: Partial<RetryPolicy>;
  /** Connects, starts its loops; a failure is logged and the events are retried through run(). */
  start?(): void | Promise<void>;
  /** Closes connections and loops; called once its events are delivered or given up on. */
  stop?(): void | Promise<void>;
  /** The current values of the metrics its definition declares, by metric name. */
  metricValues?(): Record<string, MetricSample[]>;
}

export type MetricSample = [labels: Record<string, string>, value: number];

/** A metric of the integration's own, exposed on /metrics while it is enabled. */
export interface IntegrationMetric {
  /** Full Prometheus name, floodwatch_<integration>_... */
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  labels: readonly string[];
}

/**
 * What an integration may read of the whole configuration. (Not FloodwatchConfig, whose type is
 * derived from the registry: a running configuration is one of these.)
 */
export interface WholeConfig {
  readonly state_dir: string;
  readonly networks: readonly string[];
  readonly hostgroups: readonly { readonly name: string; readonly prefixes: readonly string[]; readonly ban?: boolean; readonly actions?: readonly string[] }[];
  readonly counters: { readonly tick_ms: number; readonly average_window_ms: number };
}

/** What the daemon gives an integration to work with. */
export interface IntegrationDeps {
  log: Logger;
  /** The whole running configuration (read-only). */
  config: WholeConfig;
  /** The engine: counters, totals, top hosts; null where no engine runs (tests of events only). */
  engine: FlowEngine | null;
  /** The active bans whose hostgroup sends its events to this integration. */
  activeBans(): Ban[];
  /** In a cluster (floodwatch run --role), the bans the other members hold; absent or empty otherwise. */
  heldElsewhere?(): Ban[];
  attackOf(ban: Ban): AttackRecord | null;
  /** Whether the hostgroup announces FlowSpec rules (BGP integrations). */
  flowspecFor(hostgroup: string): boolean;
  /** The state directory, for integrations that keep files. */
  stateDir: string;
}

/** The FastNetMon import's working set, handed to each integration's mapping. */
export interface FastnetmonImportContext {
  keys: FastnetmonKeys;
  comments: YamlComments;
  /** The YAML being built; an integration writes out.actions[name] only. */
  out: Record<string, unknown>;
  /** The carried networks, when networks_list was read. */
  networks: string[] | undefined;
  /** Actions carried on that FastNetMon runs for IPv4 hosts only; the import keeps IPv6 bans from them. */
  ipv4OnlyActions: { name: string; label: string }[];
}

/** One integration, as the registry lists it: its `actions.<name>` section and what uses it. */
export interface IntegrationDefinition<N extends string = string, S extends TObject = TObject> {
  readonly name: N;
  /** Its `actions.<name>` section; `enabled` is required, every other key has a default. */
  readonly schema: S;
  /** The section's embedded default (enabled: false), value for value the example configuration's. */
  defaults(): Static<S>;
  /** check-config's one-line description of it when enabled: "redis at 127.0.0.1:6379 (prefix fw)". */
  describe(config: Static<S>): string;
  /** Problems the schema cannot see; `where` paths start with actions.<name>. */
  check?(config: Static<S>, whole: WholeConfig): ConfigProblem[];
  /** What check-config and the daemon's start say about a configuration allowed but risky. */
  warnings?(config: Static<S>): string[];
  /** The keys of its section (relative: `smtp.password`) that hold a secret as set, for the file-mode warning. */
  secretKeys?(config: Static<S>): string[];
  /** Carries its FastNetMon keys (import-fastnetmon), marking each one carried or not. */
  importFastnetmon?(context: FastnetmonImportContext): void;
  readonly metrics?: readonly IntegrationMetric[];
  /**
   * The part of the engine's configuration it sets (the Kafka export's `export`): read by the
   * engine at start, so a change to it needs a restart, which a reload says.
   */
  engine?(config: Static<S>): Partial<EngineConfig>;
  /**
   * Builds it; the implementation is imported here, lazily, so that reading the configuration
   * never loads a client library (and the registry never imports back into the config).
   */
  create(config: Static<S>, deps: IntegrationDeps): Promise<Integration>;
}

/** Keeps the literal name and the schema's type for the registry's derived types. */
export function defineIntegration<const N extends string, S extends TObject>(definition: IntegrationDefinition<N, S>): IntegrationDefinition<N, S> {
  return definition;
}

/**
 * What the ban-driven integrations (script, e-mail, GoBGP, ExaBGP) act on: a ban, an unban, or
 * the details of the attack a host is banned for.
 */
export type BanEvent = Omit<IntegrationEvent, 'kind' | 'ban'> & { kind: 'ban' | 'unban' | 'attack_details'; ban: Ban };
export type BanEventKind = BanEvent['kind'];

export function isBanEvent(event: IntegrationEvent): event is BanEvent {
  if (event.ban === null) return false;
  return event.kind === 'ban' || event.kind === 'unban' || (event.kind === 'attack_details' && event.ban.attack_id === event.attack?.id);
}

/** A ban-driven event, its host's facts taken from the ban; `at` is the ban's time for a ban, now otherwise. */
export function banEvent(kind: BanEventKind, ban: Ban, attack: AttackRecord | null, at?: string): BanEvent {
  return {
    kind,
    ip: ban.ip,
    direction: ban.direction,
    hostgroup: ban.hostgroup,
    attack,
    ban,
    at: at ?? (kind === 'ban' ? ban.banned_at : new Date().toISOString()),
  };
}
