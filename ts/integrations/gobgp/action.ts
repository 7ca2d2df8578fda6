// The gobgp action: a ban announces blackhole routes and FlowSpec rules through gobgpd's API, an
// unban withdraws them, and a resync loop keeps gobgpd's RIB in step with the active bans.
import type { Logger } from 'pino';
import type { AttackRecord, Ban } from '../../attacks/types.js';
import type { GobgpActionConfig } from './config.js';
import { isBanEvent, type BanEvent, type Integration } from '../types.js';
import { blackholeRoutesForBan, isRouteOfBans, looksLikeFloodwatchRoute, routesForBan, type AnnouncementPolicy } from './announcements.js';
import { GobgpClient, type ApiFamily, type GobgpClientOptions } from './client.js';
import { apiFamily, describeRoute, fromApiPath, routeKey, routeSignature, toApiPath, type Route } from './paths.js';
import { PeriodicTask, planResync, type ResyncPlan } from './resync.js';

export interface GobgpActionDeps {
  log: Logger;
  /** The active bans of the hostgroups that have the gobgp action. */
  activeBans(): Ban[];
  /** In a cluster, the bans other members hold: a gobgpd the members share carries their routes too. */
  heldElsewhere?(): Ban[];
  attackOf(ban: Ban): AttackRecord | null;
  /** Whether the hostgroup has FlowSpec switched on. */
  flowspecFor(hostgroup: string): boolean;
}

/** A resync pass: its plan, carried out, and how it read gobgpd's RIB. */
export interface ResyncPass extends ResyncPlan {
  /** Whole tables (at start, after a failure) or floodwatch's own unicast prefixes only. */
  wholeTables: boolean;
  pathsRead: number;
}

export interface GobgpActionOptions {
  client?: GobgpClientOptions;
}

/** gobgpd marks the paths it originated (AddPath, its config) with no neighbor. */
const LOCAL_NEIGHBOR = new Set(['', '<nil>']);

export class GobgpAction implements Integration {
  readonly name = 'gobgp';
  /** Bans, unbans, and the details of the attack a host is banned for. */
  readonly accepts = isBanEvent;
  /** A run makes a few calls of 5 s at most, after waiting for a resync in progress. */
  readonly attemptTimeoutMs = 60_000;
  /** Runs take turns with each other and with the resync. */
  readonly concurrency = 1;

  readonly #config: GobgpActionConfig;
  readonly #deps: GobgpActionDeps;
  readonly #policy: AnnouncementPolicy;
  readonly #client: GobgpClient;
  readonly #resyncLoop: PeriodicTask;
  /** What each ban announced, by the banned IP. */
  readonly #routesByBan = new Map<string, Route[]>();
  /** Every route announced and not withdrawn since floodwatch started, by key. */
  readonly #announced = new Map<string, Route>();
  /** Runs and resyncs one at a time, so that a resync never undoes a ban or an unban half done. */
  #queue: Promise<unknown> = Promise.resolve();
  #gobgpdReachable: boolean | null = null;
  /**
   * The next resync reads whole tables: at start (routes of an earlier run to find) and after a
   * failure. Other passes look up floodwatch's own unicast prefixes only, so that a gobgpd that
   * also holds a full table from its peers is not read whole every resync_seconds.
   */
  #wholeTablesDue = true;

  constructor(config: GobgpActionConfig, deps: GobgpActionDeps, options: GobgpActionOptions = {}) {
    this.#config = config;
    this.#deps = deps;
    this.#policy = { config, flowspecFor: (hostgroup) => deps.flowspecFor(hostgroup) };
    this.#client = new GobgpClient(config.api, options.client);
    this.#resyncLoop = new PeriodicTask(config.resync_seconds * 1000, () => this.#resyncLogged());
  }

  /** Starts the resync loop: a first pass at once announces the bans restored at startup. */
  start(): void {
    this.#resyncLoop.start();
  }

  /** Stops the loop and closes the connection; the routes stay announced (bans outlive a restart). */
  async stop(): Promise<void> {
    await this.#resyncLoop.stop();
    await this.#queue.catch(() => {});
    this.#client.close();
  }

  run(event: BanEvent): Promise<void> {
    switch (event.kind) {
      case 'ban':
        return this.#exclusive(() => this.#announceBan(event.ban, event.attack, true));
      case 'attack_details':
        return this.#exclusive(() => this.#announceBan(event.ban, event.attack, false));
      case 'unban':
        return this.#exclusive(() => this.#withdrawBan(event.ban, event.attack));
    }
  }

  /** One pass of the resync loop: what it announced again and withdrew, and what it read. */
  resync(): Promise<ResyncPass> {
    return this.#exclusive(() => this.#resync());
  }

  #exclusive<T>(work: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(work, work);
    this.#queue = result.catch(() => {});
    return result;
  }

  /** Announces the ban's routes (all of them on a ban; the changed ones on new attack details), then withdraws those it no longer has. */
  async #announceBan(ban: Ban, attack: AttackRecord | null, everything: boolean): Promise<void> {
    const routes = routesForBan(ban, attack, this.#policy);
    for (const route of routes) {
      const known = this.#announced.get(routeKey(route));
      if (everything || !known || routeSignature(known) !== routeSignature(route)) await this.#announce(route, ban);
    }
    const previous = this.#routesByBan.get(ban.ip) ?? [];
    this.#routesByBan.set(ban.ip, routes);
    const current = new Set(routes.map(routeKey));
    for (const route of previous) {
      if (!current.has(routeKey(route)) && !this.#heldByAnotherBan(route, ban.ip)) await this.#withdraw(route, ban);
    }
  }

  async #withdrawBan(ban: Ban, attack: AttackRecord | null): Promise<void> {
    const routes = this.#routesByBan.get(ban.ip) ?? routesForBan(ban, attack ?? this.#deps.attackOf(ban), this.#policy);
    const elsewhere = this.#deps.heldElsewhere?.() ?? [];
    for (const route of routes) {
      if (this.#heldByAnotherBan(route, ban.ip)) {
        this.#deps.log.debug({ action: this.name, ip: ban.ip, route: describeRoute(route) }, 'route kept: another active ban announces it too');
        continue;
      }
      // A ban handed over to the member that owns the host now: the route is its own from here on.
      if (isRouteOfBans(route, elsewhere, this.#policy)) {
        this.#deps.log.info({ action: this.name, ip: ban.ip, route: describeRoute(route) }, 'route kept: another member of the cluster holds the ban now');
        continue;
      }
      await this.#withdraw(route, ban);
    }
    this.#routesByBan.delete(ban.ip);
  }

  /** A covering subnet stays announced while any other ban inside it is active: its references are the active bans. */
  #heldByAnotherBan(route: Route, ip: string): boolean {
    if (route.kind !== 'unicast') return false;
    const key = routeKey(route);
    return this.#deps.activeBans().some((other) => other.ip !== ip && blackholeRoutesForBan(other, this.#policy).some((r) => routeKey(r) === key));
  }

  async #announce(route: Route, ban: Ban | null): Promise<void> {
    await this.#client.addPath(toApiPath(route), describeRoute(route));
    this.#announced.set(routeKey(route), route);
    this.#deps.log.info({ action: this.name, ip: ban?.ip, route: describeRoute(route) }, 'route announced to gobgpd');
  }

  async #withdraw(route: Route, ban: Ban | null): Promise<void> {
    await this.#client.deletePath(toApiPath(route), describeRoute(route));
    this.#announced.delete(routeKey(route));
    this.#deps.log.info({ action: this.name, ip: ban?.ip, route: describeRoute(route) }, 'route withdrawn from gobgpd');
  }

  async #resyncLogged(): Promise<void> {
    try {
      const plan = await this.resync();
      const firstPass = this.#gobgpdReachable === null;
      if (this.#gobgpdReachable === false) this.#deps.log.info({ action: this.name, api: this.#config.api }, 'gobgpd reachable again');
      this.#gobgpdReachable = true;
      if (plan.announce.length > 0 || plan.withdraw.length > 0) {
        const changes = { action: this.name, announced: plan.announce.map(describeRoute), withdrawn: plan.withdraw.map(describeRoute) };
        if (firstPass) this.#deps.log.info(changes, "gobgpd's RIB brought in line with the active bans at startup");
        else this.#deps.log.warn(changes, "gobgpd's RIB did not match the active bans (did it restart?): routes announced again or withdrawn");
      }
    } catch (err) {
      // Once per outage at warn level: the loop retries every resync_seconds.
      this.#wholeTablesDue = true;
      const level = this.#gobgpdReachable === false ? 'debug' : 'warn';
      this.#deps.log[level]({ action: this.name, err }, 'resync with gobgpd failed; will retry');
      this.#gobgpdReachable = false;
    }
  }

  async #resync(): Promise<ResyncPass> {
    const global = await this.#client.getBgp();
    if (global.asn === 0) {
      throw new Error(`gobgpd at ${this.#config.api} has no BGP configuration (AS 0): start it with -f CONFIG holding a [global.config] section`);
    }
    const desiredByBan = new Map<string, Route[]>();
    for (const ban of this.#deps.activeBans()) desiredByBan.set(ban.ip, routesForBan(ban, this.#deps.attackOf(ban), this.#policy));
    const desired = [...desiredByBan.values()].flat();

    const wholeTables = this.#wholeTablesDue;
    const present: Route[] = [];
    let pathsRead = 0;
    for (const family of this.#familiesToList(desired)) {
      const prefixes = wholeTables || family.safi !== 'SAFI_UNICAST' ? undefined : this.#unicastPrefixes(family, desired);
      const paths = await this.#client.listPath(family, prefixes);
      pathsRead += paths.length;
      for (const path of paths) {
        if (!LOCAL_NEIGHBOR.has(path.neighbor_ip ?? '')) continue;
        const route = fromApiPath(path);
        if (route) present.push(route);
      }
    }

    // Routes of bans other members hold stay: a gobgpd the members share carries them.
    const elsewhere = this.#deps.heldElsewhere?.() ?? [];
    const plan = planResync(
      desired,
      present,
      (route) => (this.#announced.has(routeKey(route)) || looksLikeFloodwatchRoute(route, this.#config)) && !isRouteOfBans(route, elsewhere, this.#policy),
    );
    for (const route of plan.announce) await this.#announce(route, null);
    for (const route of plan.withdraw) await this.#withdraw(route, null);
    this.#routesByBan.clear();
    for (const [ip, routes] of desiredByBan) this.#routesByBan.set(ip, routes);
    this.#wholeTablesDue = false;
    return { ...plan, wholeTables, pathsRead };
  }

  /** The prefixes of `family` that floodwatch wants announced or has announced. */
  #unicastPrefixes(family: ApiFamily, desired: readonly Route[]): string[] {
    const prefixes = new Set<string>();
    for (const route of [...desired, ...this.#announced.values()]) {
      const { afi, safi } = apiFamily(route);
      if (route.kind === 'unicast' && afi === family.afi && safi === family.safi) prefixes.add(`${route.address}/${route.length}`);
    }
    return [...prefixes];
  }

  #familiesToList(desired: readonly Route[]): ApiFamily[] {
    const families = new Map<string, ApiFamily>();
    const add = (family: ApiFamily) => families.set(`${family.afi}/${family.safi}`, family);
    for (const afi of ['AFI_IP', 'AFI_IP6'] as const) {
      add({ afi, safi: 'SAFI_UNICAST' });
      if (this.#config.flowspec.enabled) add({ afi, safi: 'SAFI_FLOW_SPEC_UNICAST' });
    }
    for (const route of [...desired, ...this.#announced.values()]) add(apiFamily(route));
    return [...families.values()];
  }
}
