// `floodwatch run`: the engine, the detection policy, the bans and the actions, ticking
// together until SIGINT or SIGTERM; SIGHUP reloads the policy without losing counters or bans.
import type { Logger } from 'pino';
import { BanManager } from '../bans/manager.js';
import type { Role } from '../cluster/config.js';
import { clusterRole, type ClusterRole } from '../cluster/role.js';
import type { IntegrationEvent } from '../integrations/types.js';
import { loadCheckedRunConfig } from '../config/default-paths.js';
import { loadConfig, engineConfig, type FloodwatchConfig } from '../config/load.js';
import type { ApiContext } from '../api/context.js';
import type { RunningApi } from '../api/server.js';
import { CONFIGURATION_RELOADED, reloadedConfig, settingsNeedingRestart } from '../config/reload-scope.js';
import { Detector, type AttackListener } from '../detection/detector.js';
import { recordingListener } from '../detection/recording-listener.js';
import { PrefixSet } from '../detection/prefix-set.js';
import { FlowEngine } from '../engine/index.js';
import { StateLock } from '../state/lock.js';
import { StateStore, type PendingEvent } from '../state/store.js';
import { FLOW_HEALTH_INTERVAL_MS, FlowHealth } from './flow-health.js';
import { MirrorHealth } from './mirror-health.js';
import { describeHolder, portHolders } from './port-owners.js';
import { buildIntegrations, buildPolicy, integrationMetricValues, type PolicyState, type ReloadablePolicy } from './policy.js';

/**
 * At SIGTERM, once the state is saved, how long the actions get to deliver what they hold: an
 * SMTP server that does not answer must not hold the shutdown for its time limits and retries.
 */
const SHUTDOWN_ACTIONS_WAIT_MS = 3_000;
/** At SIGTERM, how long the REST API's requests in progress, and the BGP actions' loops, get to finish. */
const SHUTDOWN_CLOSE_WAIT_MS = 1_000;

export interface DaemonOptions {
  configPath?: string;
  log: Logger;
  /** The configuration, when the caller has loaded it already. */
  loaded?: { config: FloodwatchConfig; source: string };
  /** Scale-out (ts/cluster): a sensor publishes its aggregates, a detector detects on the sensors'; none: both, alone. */
  role?: Role;
}

export class Daemon {
  readonly engine: FlowEngine;
  readonly bans: BanManager;
  readonly store: StateStore;
  readonly #log: Logger;
  readonly #configPath: string | undefined;
  #config: FloodwatchConfig;
  #policy: ReloadablePolicy;
  readonly #detector: Detector;
  readonly #networks: PrefixSet;
  #timers: NodeJS.Timeout[] = [];
  listening: string[] = [];
  /** Where the REST API listens, when it is on. */
  apiAddress: string | null = null;
  #api: RunningApi | null = null;
  #lock: StateLock | null = null;
  #lastTickAt: number | null = null;
  #cluster: ClusterRole | null = null;
  /** Every event goes to the integrations its hostgroup lists (all of them when it lists none). */
  readonly #events = {
    dispatch: (event: IntegrationEvent) => {
      this.#cluster?.record(event);
      this.#policy.dispatcher.dispatch(event, this.#policy.actionsFor(event.hostgroup));
    },
  };

  private constructor(config: FloodwatchConfig, options: DaemonOptions) {
    this.#log = options.log;
    this.#configPath = options.configPath;
    this.#config = config;
    this.store = new StateStore(config.state_dir, this.#log);
    this.engine = new FlowEngine(engineConfig(config));
    // The integrations are built at start(), once the state and the ports are claimed.
    this.#policy = buildPolicy(config, this.#log, []);
    this.#networks = new PrefixSet(config.networks);
    this.engine.detection.setThresholds(this.#policy.thresholds);
    this.bans = new BanManager(this.store, this.#events, this.#log);
    this.#detector = new Detector(this.engine.detection, this.#policy.detection, this.#attackListener(), Date.now, ({ ip, direction, stage, error }) =>
      this.#log.error({ ip, direction, stage, err: error }, 'detection failed for this host; the other hosts of the tick went on'),
    );
  }

  static async start(options: DaemonOptions): Promise<Daemon> {
    const { config, source } = options.loaded ?? (await loadConfig(options.configPath));
    options.log.info(
      { config: source },
      source === 'embedded default' ? 'no config file given: starting on the embedded default configuration' : 'configuration loaded',
    );
    const daemon = new Daemon(config, options);
    if (options.role) daemon.#cluster = clusterRole(options.role, config.cluster, source, daemon.engine, daemon.bans, options.log, config.counters.tick_ms);
    // Everything that can refuse comes first, so that a refused start changes nothing: no ban
    // restored or announced, no state written.
    try {
      daemon.#claimStateAndPorts();
      daemon.#policy = buildPolicy(config, daemon.#log, await buildIntegrations(config, daemon.#log, daemon.#policyState()));
      await daemon.#startApi();
      daemon.#bindSources();
      // Restoring the bans is the first thing #start does: a state file it cannot read stops the start there.
      daemon.#start();
    } catch (err) {
      await daemon.#abortStart();
      throw err;
    }
    return daemon;
  }

  /** The state directory's lock, and the flow ports no other process holds (SO_REUSEPORT would let both bind). */
  #claimStateAndPorts(): void {
    this.#lock = StateLock.acquire(this.store.dir);
    for (const [index, listen] of this.#config.sources.flow.listen.entries()) {
      const holders = portHolders('udp', listen);
      if (holders.length === 0) continue;
      throw new Error(
        `UDP ${listen} (sources.flow.listen[${index}]) is taken by ${holders.map(describeHolder).join(', ')}: ` +
          'stop it, or give this floodwatch other ports in sources.flow.listen',
      );
    }
  }

  #bindSources(): void {
    try {
      this.listening = this.engine.start();
    } catch (err) {
      throw new Error(explainBindError((err as Error).message), { cause: err });
    }
    const where = { networks: this.#config.networks.length, state_dir: this.#config.state_dir };
    if (this.listening.length > 0) this.#log.info({ listen: this.listening, ...where }, 'listening for NetFlow v5/v9, IPFIX and sFlow v5');
    else this.#log.info(where, 'no flow listener (sources.flow.listen is empty)');
    for (const port of this.engine.sources().mirror_ports) this.#log.info(port, 'capturing a mirror port');
  }

  /** Undoes a start that was refused, without saving state (nothing was restored into it). */
  async #abortStart(): Promise<void> {
    for (const t of this.#timers) clearInterval(t);
    this.#timers = [];
    this.engine.stop();
    await this.#api?.close().catch(() => {});
    this.#api = null;
    this.#lock?.release();
  }

  async #startApi(): Promise<void> {
    if (!this.#config.api.enabled) return;
    const { startApi } = await import('../api/server.js');
    const { server, address } = await startApi(this.#config.api, this.apiContext(), this.#log);
    this.#api = server;
    this.apiAddress = address;
    this.#log.info({ api: `http://${address}/api/v1`, docs: `http://${address}/docs` }, 'REST API listening');
  }

  /** What the REST API reads and changes. */
  apiContext(): ApiContext {
    return {
      engine: this.engine,
      bans: this.bans,
      store: this.store,
      groupOf: (ip) => this.engine.detection.groupOf(ip),
      isMonitored: (ip) => this.#networks.contains(ip),
      isWhitelisted: (ip) => this.#policy.detection.whitelist.contains(ip),
      banTimeSeconds: () => this.#policy.banTimeSeconds,
      activeAttacks: () => this.#detector.active(),
      detectionFailures: () => this.#detector.failures,
      actionCounters: () => this.#policy.dispatcher.counters(),
      hostgroups: () => [
        { name: 'global', prefixes: [], ban: this.#config.ban.enabled },
        ...this.#config.hostgroups.map((group) => ({ name: group.name, prefixes: [...group.prefixes], ban: this.#policy.detection.bans(group.name) })),
      ],
      integrationMetrics: () => ({ ...integrationMetricValues(this.#policy.integrations), ...this.#cluster?.metricValues() }),
      engineTick: () => ({ lastAt: this.#lastTickAt, intervalMs: this.#config.counters.tick_ms }),
      thresholdsOf: (hostgroup) => {
        const { groups } = this.#policy.thresholds;
        const group = groups.find((g) => g.name === hostgroup) ?? groups[0]!;
        return { incoming: group.incoming, outgoing: group.outgoing };
      },
      ...(this.#cluster && { cluster: this.#cluster.view }),
      log: this.#log,
    };
  }

  /** The configured log level, unless FLOODWATCH_LOG_LEVEL overrides it. */
  #applyLogLevel(): void {
    if (!process.env.FLOODWATCH_LOG_LEVEL) this.#log.level = this.#config.log_level;
  }

  #startIntegrations(policy: ReloadablePolicy): void {
    for (const integration of policy.integrations) {
      Promise.resolve()
        .then(() => integration.start?.())
        .catch((err: Error) =>
          this.#log.error({ action: integration.name, error: err.message }, 'integration could not start; its events are retried through it'),
        );
    }
  }

  #policyState(): PolicyState {
    return {
      bans: () => this.bans.list(),
      heldElsewhere: () => (this.#cluster?.view.bans() ?? []).map((entry) => entry.ban).filter((ban) => !this.bans.get(ban.ip)),
      attackOf: (ban) => (ban.attack_id ? this.store.loadAttack(ban.attack_id) : null),
      engine: this.engine,
    };
  }

  #start(): void {
    this.#applyLogLevel();
    const { restored, lifted } = this.bans.restore();
    this.#resendUndelivered();
    // After the restore: the BGP actions' first resync announces the restored bans.
    this.#startIntegrations(this.#policy);
    if (restored.length + lifted.length > 0) this.#log.info({ restored: restored.length, lifted: lifted.length }, 'bans restored from the state directory');
    const mirrorHealth = new MirrorHealth(this.#log);
    this.#lastTickAt = Date.now();
    this.#timers.push(
      setInterval(
        () =>
          this.#guard('detection', () => {
            // A sensor's hosts are detected on the detectors, on all the sensors' figures.
            if (this.#cluster?.role === 'sensor') this.engine.detection.drainViolations();
            else this.#detector.tick();
            this.#lastTickAt = Date.now();
          }),
        this.#config.counters.tick_ms,
      ),
    );
    this.#timers.push(
      setInterval(() => {
        this.#guard('state retry', () => this.#retryState());
        this.#guard('ban expiry', () => this.#expireBans());
        this.#guard('mirror health', () => mirrorHealth.update(this.engine.mirrors()));
      }, 1000),
    );
    this.#cluster?.start();
    const flowState = () => this.engine.snapshot(0).sources.flow;
    const flowHealth = new FlowHealth(this.#log, flowState());
    this.#timers.push(setInterval(() => this.#guard('flow health', () => flowHealth.update(flowState())), FLOW_HEALTH_INTERVAL_MS));
  }

  #guard(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#log.error({ err }, `${what} failed; it runs again on the next tick`);
    }
  }

  #expireBans(): void {
    const stillAttacked = this.#policy.unbanOnlyIfAttackFinished
      ? (ban: { ip: string; direction: 'incoming' | 'outgoing' }) => this.engine.detection.over(ban.ip, ban.direction) !== null
      : null;
    this.bans.expire(stillAttacked, this.#policy.banTimeSeconds);
  }

  #attackListener(): AttackListener {
    return recordingListener({ store: this.store, bans: this.bans, events: this.#events, log: this.#log, banTimeSeconds: () => this.#policy.banTimeSeconds });
  }

  /** Writes what a failing state directory could not take, once it takes it again. */
  #retryState(): void {
    const saved = this.store.retryHeld();
    if (saved)
      this.#log.warn({ state_dir: this.store.dir, ...saved }, 'the state directory is writable again: the bans and attack records held in memory are saved');
  }

  /** Reloads thresholds, hostgroups, whitelist, ban settings, actions and the API's tokens; keeps counters and bans. */
  async reload(): Promise<void> {
    // As at start: under systemd a default state_dir is the unit's state directory.
    const { config, source } = (await loadCheckedRunConfig(this.#configPath)).loaded;
    const previous = this.#policy;
    const next = reloadedConfig(this.#config, config, source);
    const needRestart = settingsNeedingRestart(this.#config, config);
    this.#api?.reload(next.api);
    this.#config = next;
    this.#applyLogLevel();
    this.#policy = buildPolicy(this.#config, this.#log, await buildIntegrations(this.#config, this.#log, this.#policyState()));
    this.#startIntegrations(this.#policy);
    this.engine.detection.setThresholds(this.#policy.thresholds);
    this.#detector.setPolicy(this.#policy.detection);
    void previous.dispatcher.drain(30_000).then(() => this.#stopIntegrations(previous));
    this.#log.info({ config: source }, CONFIGURATION_RELOADED);
    if (needRestart.length > 0) {
      this.#log.warn({ config: source, settings: needRestart }, `changed in ${source} but in force only after a restart: ${needRestart.join(', ')}`);
    }
  }

  /**
   * Stops within a few seconds whatever the actions do: the state is saved first, then the engine
   * and the API stop, then the actions get SHUTDOWN_ACTIONS_WAIT_MS to deliver what they hold.
   */
  async stop(): Promise<void> {
    for (const t of this.#timers) clearInterval(t);
    this.#timers = [];
    this.#guard('ending the attacks under way', () => {
      const ended = this.#detector.endAll();
      if (ended > 0)
        this.#log.info(
          { attacks: ended },
          'attacks under way ended at shutdown (floodwatch stops watching them; one still going on after a restart is a new attack)',
        );
    });
    this.#saveState();
    await this.#cluster?.stop();
    this.engine.stop();
    const apiClosed = this.#api?.close().catch((err: Error) => this.#log.error({ error: err.message }, 'the REST API did not close cleanly'));
    if (apiClosed && !(await settlesWithin(apiClosed, SHUTDOWN_CLOSE_WAIT_MS))) {
      this.#log.warn(`the REST API still had requests in progress after ${SHUTDOWN_CLOSE_WAIT_MS} ms; stopping without them`);
    }
    this.#api = null;
    const { dispatcher, integrations } = this.#policy;
    if (!(await dispatcher.drain(SHUTDOWN_ACTIONS_WAIT_MS))) this.#saveUndelivered(dispatcher.pendingEvents());
    if (!(await settlesWithin(this.#stopIntegrations(this.#policy), SHUTDOWN_CLOSE_WAIT_MS))) {
      this.#log.warn(
        { actions: integrations.map((a) => a.name) },
        `the integrations had not stopped after ${SHUTDOWN_CLOSE_WAIT_MS} ms; stopping without them`,
      );
    }
    this.#lock?.release();
  }

  /**
   * Keeps what the integrations had not delivered for the next start. A ban event of a ban still
   * active is left out: every active ban is sent again at start anyway.
   */
  #saveUndelivered(pending: PendingEvent[]): void {
    const active = new Set(this.bans.list().map((ban) => `${ban.ip} ${ban.banned_at}`));
    const kept = pending.filter(({ event }) => !(event.kind === 'ban' && event.ban && active.has(`${event.ban.ip} ${event.ban.banned_at}`)));
    try {
      this.store.saveUndelivered(kept);
      this.#log.warn(
        { undelivered: pending.length, saved: kept.length, state_dir: this.store.dir },
        `stopping without the ${pending.length} undelivered events listed above: the bans still active and the ${kept.length} other events are sent again at the next start`,
      );
    } catch (err) {
      this.#log.error(
        { undelivered: pending.length, error: (err as Error).message },
        'stopping without the undelivered events listed above: they could not be saved and are lost',
      );
    }
  }

  /** Sends again what the integrations had not delivered when floodwatch last stopped, to the same integration. */
  #resendUndelivered(): void {
    const pending = this.store.takeUndelivered();
    if (pending.length === 0) return;
    const enabled = new Set(this.#policy.dispatcher.actionNames);
    const resent = pending.filter(({ integration }) => enabled.has(integration));
    for (const { integration, event } of resent) this.#policy.dispatcher.dispatch(event, [integration]);
    this.#log.info(
      {
        saved: pending.length,
        resent: resent.length,
        not_enabled_now: [...new Set(pending.filter((p) => !enabled.has(p.integration)).map((p) => p.integration))],
      },
      'events undelivered at the last shutdown sent again',
    );
  }

  /** Stops the policy's integrations (connections, loops); never rejects. */
  #stopIntegrations(policy: ReloadablePolicy): Promise<unknown> {
    return Promise.all(
      policy.integrations.map((integration) =>
        Promise.resolve()
          .then(() => integration.stop?.())
          .catch((err: Error) => this.#log.error({ action: integration.name, error: err.message }, 'integration did not stop cleanly')),
      ),
    );
  }

  /** The bans, and the attacks under way with their latest figures, written to the state directory. */
  #saveState(): void {
    const bans = this.bans.list();
    const attacks = this.#detector.active();
    try {
      this.store.saveBans(bans);
      for (const attack of attacks) this.store.saveAttack(attack);
      this.#log.info({ state_dir: this.store.dir, bans: bans.length, attacks_under_way: attacks.length }, 'state saved');
    } catch (err) {
      this.#log.error({ state_dir: this.store.dir, error: (err as Error).message }, 'the state could not be saved at shutdown: the last changes are lost');
    }
  }
}

/** "cannot listen on UDP 0.0.0.0:2055: Address already in use (os error 98)", with who holds it and what to change. */
function explainBindError(message: string): string {
  const taken = /cannot listen on UDP (\S+): Address already in use/.exec(message);
  if (!taken) return message;
  const holders = portHolders('udp', taken[1]!);
  const who = holders.length > 0 ? holders.map(describeHolder).join(', ') : 'another program';
  return `${message}: ${who} holds that port; stop it, or change sources.flow.listen`;
}

/** Whether `promise` (which never rejects) settled within `ms`; it is not waited for past that. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
