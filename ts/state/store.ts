// The state directory: the bans (one file, rewritten atomically on every change), the attack
// records (one file each, with the fingerprint pcap beside it when there is one), and the events
// the integrations had not delivered when floodwatch last stopped.
//
// Two ways to write: `save*` writes or throws (for a change that must be on disk before it is
// acknowledged); `keep*` writes, or on failure logs it, holds what it could not write and writes
// it again on `retryHeld()` (for detection, which must go on while the disk is full or read-only).
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { bigintAsFigure } from '../attacks/figure.js';
import type { AttackRecord, Ban } from '../attacks/types.js';
import { FileWriteError, writeFileAtomic } from './atomic-file.js';
import { ownershipAdvice } from './ownership.js';
import type { IntegrationEvent } from '../integrations/types.js';
import { attackProblems, banProblems, bansFileProblems, eventsFileProblems, pendingEventProblems } from './validate.js';

/** An event an integration had not delivered, kept across a restart. */
export interface PendingEvent {
  integration: string;
  event: IntegrationEvent;
}

const BANS_FILE = 'bans.json';
const UNDELIVERED_FILE = 'undelivered-events.json';
const ATTACKS_DIR = 'attacks';
/** Attack records held in memory at most while the state directory fails; the oldest go first. */
const MAX_HELD_ATTACKS = 10_000;
/** Held attack records written per retry (once a second): a recovery never stalls detection for long. */
const RETRY_BATCH = 200;

export class StateError extends Error {}

/** A state file could not be written; the message names it and says what to check. */
export class StateWriteError extends StateError {
  readonly path: string;
  readonly code: string | undefined;

  constructor(dir: string, cause: FileWriteError) {
    super(`${cause.message}; check that the state directory ${dir} is writable and has free space and free file descriptors`, { cause });
    this.path = cause.path;
    this.code = cause.code;
  }
}

export interface StateHealth {
  /** Writes that failed, retries included. */
  writeFailures: number;
  /** The last write, when it failed: the file and the error. */
  lastFailure: { path: string; error: string } | null;
  /** Whether the bans in memory are not on disk yet. */
  bansHeld: boolean;
  /** Attack records in memory not on disk yet. */
  attacksHeld: number;
  /** Attack records dropped from memory unsaved because too many were held. */
  attacksDropped: number;
}

export class StateStore {
  readonly dir: string;
  readonly #log: Logger;
  #writeFailures = 0;
  #lastFailure: { path: string; error: string } | null = null;
  #heldBans: Ban[] | null = null;
  readonly #heldAttacks = new Map<string, AttackRecord>();
  #attacksDropped = 0;
  #listError: string | null = null;

  constructor(dir: string, log: Logger = pino({ level: 'silent' })) {
    this.dir = dir;
    this.#log = log;
    try {
      mkdirSync(join(dir, ATTACKS_DIR), { recursive: true, mode: 0o700 });
    } catch (err) {
      throw new StateError(`cannot create the state directory ${dir}: ${(err as Error).message} (set state_dir to a writable directory)`);
    }
  }

  /**
   * The saved bans. A file or an entry that cannot be used is logged with the file and the entry;
   * the file is then moved aside (never overwritten) and the good entries are returned, so that
   * the next save writes a fresh file with them.
   */
  loadBans(): Ban[] {
    const path = join(this.dir, BANS_FILE);
    const parsed = this.#readJson(path);
    if (parsed === undefined) return [];
    const fileProblems = parsed.ok ? bansFileProblems(parsed.value) : [parsed.reason];
    if (!parsed.ok || fileProblems.length > 0) {
      this.#moveAside(path, fileProblems, 'floodwatch starts without the bans it held');
      return [];
    }
    const entries = (parsed.value as { bans: unknown[] }).bans;
    const bad: ReturnType<typeof banProblems> = [];
    const good: Ban[] = [];
    entries.forEach((entry, index) => {
      const problems = banProblems(entry, index);
      if (problems.length > 0) bad.push(...problems);
      else good.push(entry as Ban);
    });
    if (bad.length > 0) this.#moveAside(path, bad, `floodwatch starts with the ${good.length} good ban(s) of ${entries.length}`);
    return good;
  }

  /** Writes the bans, or throws a StateWriteError naming the file. */
  saveBans(bans: Iterable<Ban>): void {
    const list = [...bans];
    this.#write(join(this.dir, BANS_FILE), JSON.stringify({ version: 1, bans: list }, bigintAsFigure, 2) + '\n');
    this.#heldBans = null;
  }

  /** Writes the bans; when that fails, logs it and holds them for `retryHeld()`. Tells whether they are on disk. */
  keepBans(bans: Iterable<Ban>): boolean {
    const list = [...bans];
    try {
      this.saveBans(list);
      return true;
    } catch (err) {
      this.#heldBans = list;
      this.#logHeld(err, 'the bans stay in force in memory and are saved when the state directory recovers');
      return false;
    }
  }

  /** Writes the events the integrations had not delivered at shutdown, or throws a StateWriteError. */
  saveUndelivered(events: readonly PendingEvent[]): void {
    this.#write(join(this.dir, UNDELIVERED_FILE), JSON.stringify({ version: 1, events }, bigintAsFigure, 2) + '\n');
  }

  /**
   * The events saved undelivered at the last shutdown, the file removed (they are dispatched
   * again). Entries that cannot be used are logged, and the file moved aside.
   */
  takeUndelivered(): PendingEvent[] {
    const path = join(this.dir, UNDELIVERED_FILE);
    const parsed = this.#readJson(path);
    if (parsed === undefined) return [];
    const fileProblems = parsed.ok ? eventsFileProblems(parsed.value) : [parsed.reason];
    if (!parsed.ok || fileProblems.length > 0) {
      this.#moveAside(path, fileProblems, 'the events it held are not sent again');
      return [];
    }
    const entries = (parsed.value as { events: unknown[] }).events;
    const bad: string[] = [];
    const good: PendingEvent[] = [];
    entries.forEach((entry, index) => {
      const problems = pendingEventProblems(entry, index);
      if (problems.length > 0) bad.push(...problems);
      else good.push(entry as PendingEvent);
    });
    if (bad.length > 0) this.#moveAside(path, bad, `only its ${good.length} good event(s) of ${entries.length} are sent again`);
    else rmSync(path, { force: true });
    return good;
  }

  /** Writes the attack record, or throws a StateWriteError naming the file. */
  saveAttack(attack: AttackRecord): void {
    this.#write(this.attackPath(attack.id), JSON.stringify(attack, bigintAsFigure, 2) + '\n');
    this.#heldAttacks.delete(attack.id);
  }

  /** Writes the attack record; when that fails, logs it and holds it for `retryHeld()`. */
  keepAttack(attack: AttackRecord): boolean {
    try {
      this.saveAttack(attack);
      return true;
    } catch (err) {
      const heldAlready = this.#heldAttacks.has(attack.id);
      this.#hold(attack);
      // Once per record: its peak updates would repeat it every few seconds.
      if (!heldAlready) this.#logHeld(err, 'detection and bans go on; the record is saved when the state directory recovers', { attack_id: attack.id });
      else if (!(err instanceof StateWriteError)) throw err;
      return false;
    }
  }

  saveAttackPcap(id: string, pcap: Buffer): string {
    const name = `${ATTACKS_DIR}/${id}.pcap`;
    this.#write(join(this.dir, name), pcap);
    return name;
  }

  /**
   * Writes what failed to be written before, at most RETRY_BATCH attack records a call so that
   * a recovery does not stall detection. Returns what it wrote, or null when nothing was held or
   * the state directory still fails.
   */
  retryHeld(): { bans: number; attacks: number } | null {
    const heldBans = this.#heldBans;
    const batch = [...this.#heldAttacks.values()].slice(0, RETRY_BATCH);
    if (heldBans === null && batch.length === 0) return null;
    try {
      if (heldBans) this.saveBans(heldBans);
      for (const attack of batch) this.saveAttack(attack);
    } catch (err) {
      if (err instanceof StateWriteError) return null;
      throw err;
    }
    return { bans: heldBans?.length ?? 0, attacks: batch.length };
  }

  health(): StateHealth {
    return {
      writeFailures: this.#writeFailures,
      lastFailure: this.#lastFailure,
      bansHeld: this.#heldBans !== null,
      attacksHeld: this.#heldAttacks.size,
      attacksDropped: this.#attacksDropped,
    };
  }

  /** An attack record; null when there is none, or when it cannot be used (it is then logged and moved aside). */
  loadAttack(id: string): AttackRecord | null {
    if (!/^[A-Za-z0-9_-]+$/.test(id)) return null;
    const held = this.#heldAttacks.get(id);
    if (held) return held;
    const path = this.attackPath(id);
    const parsed = this.#readJson(path);
    if (parsed === undefined) return null;
    const found = parsed.ok ? attackProblems(parsed.value) : [parsed.reason];
    if (!parsed.ok || found.length > 0) {
      this.#moveAside(path, found, 'the attack is left out of the attack list and of the reports of its ban');
      return null;
    }
    return parsed.value as AttackRecord;
  }

  /**
   * Attack ids, newest first (ids sort by time), those held in memory included. While the attacks
   * folder cannot be read, only those held (logged once per error, not on every request).
   */
  attackIds(): string[] {
    let files: string[] = [];
    try {
      files = readdirSync(join(this.dir, ATTACKS_DIR));
      this.#listError = null;
    } catch (err) {
      if (this.#listError !== (err as Error).message) {
        this.#listError = (err as Error).message;
        this.#log.error(
          { path: join(this.dir, ATTACKS_DIR), error: this.#listError },
          'the attack records cannot be listed: the API lists only the attacks under way and those held in memory; check the state directory',
        );
      }
    }
    const ids = new Set(files.filter((f) => f.endsWith('.json') && !f.startsWith('.')).map((f) => f.slice(0, -'.json'.length)));
    for (const id of this.#heldAttacks.keys()) ids.add(id);
    return [...ids].sort().reverse();
  }

  /** The JSON in `path`; undefined when there is no such file. A file that cannot be read at all throws. */
  #readJson(path: string): { ok: true; value: unknown } | { ok: false; reason: string } | undefined {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      const advice = ownershipAdvice(path, this.dir, err as NodeJS.ErrnoException);
      throw new StateError(advice ?? `cannot read ${path}: ${(err as Error).message}; check the state directory's permissions and disk`);
    }
    try {
      return { ok: true, value: JSON.parse(text) };
    } catch (err) {
      return { ok: false, reason: `not JSON (${(err as Error).message})` };
    }
  }

  /** Renames a state file that cannot be used to `NAME.corrupt-TIME` beside it, and says so. */
  #moveAside(path: string, problems: string[], consequence: string): void {
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    let aside = `${path}.corrupt-${stamp}`;
    for (let n = 1; existsSync(aside); n++) aside = `${path}.corrupt-${stamp}-${n}`;
    try {
      renameSync(path, aside);
    } catch (err) {
      this.#log.error(
        { path, problems, error: (err as Error).message },
        `state file damaged, and it could not be moved aside: ${consequence}; repair or remove it`,
      );
      return;
    }
    this.#log.error({ path, moved_to: aside, problems }, `state file damaged: moved aside to ${aside}; ${consequence}. Repair it from there if need be`);
  }

  private attackPath(id: string): string {
    return join(this.dir, ATTACKS_DIR, `${id}.json`);
  }

  #write(path: string, content: string | Buffer): void {
    try {
      writeFileAtomic(path, content);
    } catch (err) {
      if (!(err instanceof FileWriteError)) throw err;
      this.#writeFailures++;
      this.#lastFailure = { path, error: err.message };
      throw new StateWriteError(this.dir, err);
    }
    this.#lastFailure = null;
  }

  #hold(attack: AttackRecord): void {
    this.#heldAttacks.delete(attack.id);
    this.#heldAttacks.set(attack.id, attack);
    for (const id of this.#heldAttacks.keys()) {
      if (this.#heldAttacks.size <= MAX_HELD_ATTACKS) break;
      this.#heldAttacks.delete(id);
      if (this.#attacksDropped++ === 0) {
        this.#log.error(
          { state_dir: this.dir, held: MAX_HELD_ATTACKS },
          'STATE LOST: more attack records wait for the state directory than floodwatch holds; the oldest are dropped (floodwatch_state_dropped_attacks_total)',
        );
      }
    }
  }

  #logHeld(err: unknown, consequence: string, fields: Record<string, unknown> = {}): void {
    if (!(err instanceof StateWriteError)) throw err;
    this.#log.error({ path: err.path, code: err.code, ...fields, error: err.message }, `STATE NOT SAVED: ${consequence}`);
  }
}
