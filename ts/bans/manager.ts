// The ban lifecycle: bans are made, extended and lifted here, saved to the state directory on
// every change, and each change is handed to the actions. A restart restores them.
// A change asked for with `mustSave` (the API's) is all-or-nothing: when the state file cannot be
// written, memory is left as it was, nothing reaches the actions, and the StateWriteError is
// thrown. Other changes (detection's, expiry) go on in memory and reach the actions when the disk
// fails; the store holds the bans and writes them once it recovers.
import type { Logger } from 'pino';
import { banEvent, type IntegrationEvent } from '../integrations/types.js';
import type { AttackRecord, Ban } from '../attacks/types.js';
import type { Direction } from '../engine/index.js';
import type { StateStore } from '../state/store.js';

/** Where events go: the integrations' dispatcher, with the hostgroup's actions. */
export interface EventSink {
  dispatch(event: IntegrationEvent): void;
}

export interface BanRequest {
  ip: string;
  direction: Direction;
  hostgroup: string;
  attack: AttackRecord | null;
  ttlSeconds: number;
  manual: boolean;
  comment: string | null;
}

/**
 * The member of a cluster that holds a host's bans (ts/cluster/role.ts): a ban or unban of a host
 * another member owns is written for it to take, and neither held nor acted on here.
 */
export interface BanOwners {
  /** Whether this floodwatch holds the host's bans. */
  owns(ip: string): boolean;
  /** The ban the owner holds, as the cluster's bans topic has it. */
  held(ip: string): Ban | undefined;
  /** Hands a ban or unban to the owner; resolves once the cluster has it. */
  send(ban: Ban, kind: 'ban' | 'unban'): Promise<void>;
}

export interface ChangeOptions {
  /** Throw, and leave everything as it was, when the change cannot be saved. */
  mustSave?: boolean;
}

export class BanManager {
  readonly #bans = new Map<string, Ban>();
  readonly #store: StateStore;
  readonly #actions: EventSink;
  readonly #log: Logger;
  readonly #now: () => number;
  #onExtended: ((ban: Ban) => void) | null = null;
  #owners: BanOwners | null = null;
  readonly #sent = new Map<string, Promise<void>>();

  constructor(store: StateStore, actions: EventSink, log: Logger, now: () => number = Date.now) {
    this.#store = store;
    this.#actions = actions;
    this.#log = log;
    this.#now = now;
  }

  /** Loads the saved bans: expired ones are lifted, the others applied again. */
  restore(): { restored: Ban[]; lifted: Ban[] } {
    const restored: Ban[] = [];
    const lifted: Ban[] = [];
    for (const ban of this.#store.loadBans()) {
      if (Date.parse(ban.expires_at) <= this.#now()) {
        lifted.push(ban);
      } else {
        this.#bans.set(ban.ip, ban);
        restored.push(ban);
      }
    }
    this.#save();
    for (const ban of restored) {
      this.#log.info({ ip: ban.ip, expires_at: ban.expires_at }, 'ban restored from the state directory');
      this.#actions.dispatch(banEvent('ban', ban, this.#attackOf(ban)));
    }
    for (const ban of lifted) {
      this.#log.info({ ip: ban.ip, expired_at: ban.expires_at }, 'ban expired while floodwatch was stopped: lifting it');
      this.#actions.dispatch(banEvent('unban', ban, this.#attackOf(ban)));
    }
    return { restored, lifted };
  }

  /** Told of every ban extended by the expiry pass (the cluster's bans topic keeps the new time). */
  onExtended(listener: (ban: Ban) => void): void {
    this.#onExtended = listener;
  }

  /** In a cluster: the member that owns each host, to which the bans of hosts not owned here go. */
  setOwners(owners: BanOwners): void {
    this.#owners = owners;
  }

  /** Resolves once the last ban or unban of `ip` handed to its owner is in the cluster; rejects when it could not be. */
  async delivered(ip: string): Promise<void> {
    await this.#sent.get(ip);
  }

  get(ip: string): Ban | undefined {
    return this.#bans.get(ip);
  }

  list(): Ban[] {
    return [...this.#bans.values()].sort((a, b) => a.banned_at.localeCompare(b.banned_at));
  }

  /** Bans `ip`, or returns its ban unchanged when it has one already. */
  ban(request: BanRequest, options: ChangeOptions = {}): { ban: Ban; created: boolean } {
    const remote = this.#elsewhere(request.ip);
    const existing = remote ? this.#owners!.held(request.ip) : this.#bans.get(request.ip);
    if (existing) return { ban: existing, created: false };
    const now = this.#now();
    const ban: Ban = {
      ip: request.ip,
      direction: request.direction,
      hostgroup: request.hostgroup,
      attack_id: request.attack?.id ?? null,
      banned_at: new Date(now).toISOString(),
      expires_at: new Date(now + request.ttlSeconds * 1000).toISOString(),
      manual: request.manual,
      comment: request.comment,
    };
    if (remote) {
      this.#send(ban, 'ban');
      return { ban, created: true };
    }
    this.#bans.set(ban.ip, ban);
    this.#commit(options, () => this.#bans.delete(ban.ip));
    this.#log.warn({ ip: ban.ip, direction: ban.direction, attack_id: ban.attack_id, expires_at: ban.expires_at, manual: ban.manual }, 'host banned');
    this.#actions.dispatch(banEvent('ban', ban, request.attack));
    return { ban, created: true };
  }

  /**
   * Takes over a ban another floodwatch made (a detector whose hosts this one now owns): kept as
   * it was, with its time and attack, and handed to the actions as a restored ban is; one whose
   * time is up is lifted (or extended) by the next expiry pass, as it would have been there.
   * False when the host is banned here already.
   */
  adopt(ban: Ban, from: string): boolean {
    if (this.#bans.has(ban.ip)) return false;
    this.#bans.set(ban.ip, { ...ban });
    this.#save();
    this.#log.warn({ ip: ban.ip, banned_at: ban.banned_at, expires_at: ban.expires_at, from }, 'ban taken over from another floodwatch');
    this.#actions.dispatch(banEvent('ban', ban, this.#attackOf(ban)));
    return true;
  }

  /**
   * Hands a ban over to the floodwatch that owns its host now: lifted here, for the actions (a
   * route announced from here is withdrawn), while the ban itself goes on there.
   */
  handOver(ip: string, to: string): Ban | null {
    const ban = this.#bans.get(ip);
    if (!ban) return null;
    this.#bans.delete(ip);
    this.#save();
    this.#log.warn({ ip, to }, 'ban handed over to the floodwatch that owns the host now');
    this.#actions.dispatch(banEvent('unban', ban, this.#attackOf(ban), new Date(this.#now()).toISOString()));
    return ban;
  }

  unban(ip: string, reason: string, options: ChangeOptions = {}): Ban | null {
    if (this.#elsewhere(ip)) {
      const held = this.#owners!.held(ip);
      if (held) this.#send(held, 'unban');
      return held ?? null;
    }
    const ban = this.#bans.get(ip);
    if (!ban) return null;
    this.#bans.delete(ip);
    this.#commit(options, () => this.#bans.set(ip, ban));
    this.#log.warn({ ip, reason }, 'host unbanned');
    this.#actions.dispatch(banEvent('unban', ban, this.#attackOf(ban), new Date(this.#now()).toISOString()));
    return ban;
  }

  /**
   * Lifts the bans whose time is up. With `stillAttacked` (unban_only_if_attack_finished), a
   * ban whose host is still over its threshold is extended by `extendSeconds` instead.
   */
  expire(stillAttacked: ((ban: Ban) => boolean) | null, extendSeconds: number): void {
    const now = this.#now();
    let extended = false;
    const extendedBans: Ban[] = [];
    for (const ban of [...this.#bans.values()]) {
      if (Date.parse(ban.expires_at) > now) continue;
      if (!ban.manual && stillAttacked?.(ban)) {
        ban.expires_at = new Date(now + extendSeconds * 1000).toISOString();
        extended = true;
        extendedBans.push(ban);
        this.#log.info({ ip: ban.ip, expires_at: ban.expires_at }, 'ban time is up but the attack goes on: ban extended');
        continue;
      }
      this.unban(ban.ip, 'ban time is up');
    }
    if (extended) this.#save();
    for (const ban of extendedBans) this.#onExtended?.(ban);
  }

  /** The host's ban when it is banned for this attack. */
  banFor(attack: AttackRecord): Ban | null {
    const ban = this.#bans.get(attack.ip);
    return ban && ban.attack_id === attack.id ? ban : null;
  }

  /** Whether the host's bans are held by another member of the cluster (and not here). */
  #elsewhere(ip: string): boolean {
    return this.#owners !== null && !this.#bans.has(ip) && !this.#owners.owns(ip);
  }

  #send(ban: Ban, kind: 'ban' | 'unban'): void {
    this.#log.info({ ip: ban.ip, event: kind }, 'the host is owned by another member of the cluster: the change is handed to it');
    const sent = this.#owners!.send(ban, kind);
    this.#sent.set(ban.ip, sent);
    const forget = () => {
      if (this.#sent.get(ban.ip) === sent) this.#sent.delete(ban.ip);
    };
    sent.then(forget, forget);
  }

  #attackOf(ban: Ban): AttackRecord | null {
    return ban.attack_id ? this.#store.loadAttack(ban.attack_id) : null;
  }

  #save(): void {
    this.#store.keepBans(this.#bans.values());
  }

  /** Saves the bans; with `mustSave`, a failure runs `undo` and throws. */
  #commit(options: ChangeOptions, undo: () => void): void {
    if (!options.mustSave) return this.#save();
    try {
      this.#store.saveBans(this.#bans.values());
    } catch (err) {
      undo();
      throw err;
    }
  }
}
