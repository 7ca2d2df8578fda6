// The state directory: the bans (one file, rewritten atomically on every change) and the
// attack records (one file each, with the fingerprint pcap beside it when there is one).
import { mkdirSync, readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { bigintAsFigure } from '../attacks/figure.js';
import type { AttackRecord, Ban } from '../attacks/types.js';
import { writeFileAtomic } from './atomic-file.js';

const BANS_FILE = 'bans.json';
const ATTACKS_DIR = 'attacks';

export class StateError extends Error {}

export class StateStore {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
    try {
      mkdirSync(join(dir, ATTACKS_DIR), { recursive: true, mode: 0o700 });
    } catch (err) {
      throw new StateError(`cannot create the state directory ${dir}: ${(err as Error).message} (set state_dir to a writable directory)`);
    }
  }

  loadBans(): Ban[] {
    const path = join(this.dir, BANS_FILE);
    if (!existsSync(path)) return [];
    try {
      const parsed = JSON.parse(readFileSync(path, 'utf8')) as { bans?: Ban[] };
      return Array.isArray(parsed.bans) ? parsed.bans : [];
    } catch (err) {
      throw new StateError(`${path} is unreadable (${(err as Error).message}); move it aside to start without the saved bans`);
    }
  }

  saveBans(bans: Iterable<Ban>): void {
    writeFileAtomic(join(this.dir, BANS_FILE), JSON.stringify({ version: 1, bans: [...bans] }, bigintAsFigure, 2) + '\n');
  }

  saveAttack(attack: AttackRecord): void {
    writeFileAtomic(this.attackPath(attack.id), JSON.stringify(attack, bigintAsFigure, 2) + '\n');
  }

  saveAttackPcap(id: string, pcap: Buffer): string {
    const name = `${ATTACKS_DIR}/${id}.pcap`;
    writeFileAtomic(join(this.dir, name), pcap);
    return name;
  }

  loadAttack(id: string): AttackRecord | null {
    if (!/^[A-Za-z0-9_-]+$/.test(id)) return null;
    const path = this.attackPath(id);
    if (!existsSync(path)) return null;
    return JSON.parse(readFileSync(path, 'utf8')) as AttackRecord;
  }

  /** Attack ids, newest first (ids sort by time). */
  attackIds(): string[] {
    return readdirSync(join(this.dir, ATTACKS_DIR))
      .filter((f) => f.endsWith('.json') && !f.startsWith('.'))
      .map((f) => f.slice(0, -'.json'.length))
      .sort()
      .reverse();
  }

  private attackPath(id: string): string {
    return join(this.dir, ATTACKS_DIR, `${id}.json`);
  }
}
