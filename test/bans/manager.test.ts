// The ban lifecycle against a real state directory: bans persist, survive a restart, expire,
// and are extended while the attack goes on.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { IntegrationEvent } from '../../ts/integrations/types.js';
import { BanManager } from '../../ts/bans/manager.js';
import { StateStore } from '../../ts/state/store.js';

const log = pino({ level: 'silent' });
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function setup(now: { t: number }, dir = mkdtempSync(join(tmpdir(), 'floodwatch-bans-'))) {
  dirs.push(dir);
  const events: IntegrationEvent[] = [];
  const store = new StateStore(dir);
  const bans = new BanManager(store, { dispatch: (e) => events.push(e) }, log, () => now.t);
  return { dir, store, bans, events };
}

const request = (ip: string, ttlSeconds = 60) => ({
  ip,
  direction: 'incoming' as const,
  hostgroup: 'global',
  attack: null,
  ttlSeconds,
  manual: false,
  comment: null,
});

describe('BanManager', () => {
  it('saves every ban to the state directory and restores it after a restart', () => {
    const now = { t: Date.parse('2026-01-01T00:00:00Z') };
    const first = setup(now);
    first.bans.ban(request('198.51.100.1'));
    first.bans.ban(request('2001:db8::1', 3600));
    expect(JSON.parse(readFileSync(join(first.dir, 'bans.json'), 'utf8')).bans).toHaveLength(2);

    now.t += 120_000; // the first ban expired while "stopped"
    const second = setup(now, first.dir);
    const { restored, lifted } = second.bans.restore();
    expect(restored.map((b) => b.ip)).toEqual(['2001:db8::1']);
    expect(lifted.map((b) => b.ip)).toEqual(['198.51.100.1']);
    expect(second.events.map((e) => `${e.kind} ${e.ban?.ip}`)).toEqual(['ban 2001:db8::1', 'unban 198.51.100.1']);
    expect(second.bans.list().map((b) => b.ip)).toEqual(['2001:db8::1']);
  });

  it('does not ban a banned host twice', () => {
    const now = { t: 0 };
    const { bans, events } = setup(now);
    expect(bans.ban(request('198.51.100.1')).created).toBe(true);
    expect(bans.ban(request('198.51.100.1')).created).toBe(false);
    expect(events).toHaveLength(1);
  });

  it('lifts a ban when its time is up, or extends it while the attack goes on', () => {
    const now = { t: 1_000_000 };
    const { bans, events } = setup(now);
    bans.ban(request('198.51.100.1', 10));
    bans.ban({ ...request('198.51.100.2', 10), manual: true });
    now.t += 11_000;
    bans.expire(() => true, 30);
    expect(bans.get('198.51.100.1')).toBeDefined();
    expect(bans.get('198.51.100.2')).toBeUndefined(); // manual bans end on time
    now.t += 31_000;
    bans.expire(() => false, 30);
    expect(bans.list()).toEqual([]);
    expect(events.map((e) => e.kind)).toEqual(['ban', 'ban', 'unban', 'unban']);
  });

  it('bans and lifts in memory, with the actions told, when bans.json cannot be written, and saves them once it can', () => {
    const now = { t: 1_000_000 };
    const { dir, store, bans, events } = setup(now);
    // As root, which no chmod stops: a directory where the file goes makes the rename fail.
    mkdirSync(join(dir, 'bans.json', 'inside'), { recursive: true });
    bans.ban(request('198.51.100.1', 10));
    bans.ban(request('198.51.100.2', 600));
    now.t += 11_000;
    bans.expire(null, 0);
    expect(bans.list().map((b) => b.ip)).toEqual(['198.51.100.2']);
    expect(events.map((e) => `${e.kind} ${e.ban?.ip}`)).toEqual(['ban 198.51.100.1', 'ban 198.51.100.2', 'unban 198.51.100.1']);
    expect(store.health()).toMatchObject({ bansHeld: true, lastFailure: { path: join(dir, 'bans.json') } });
    expect(store.retryHeld()).toBeNull();

    rmSync(join(dir, 'bans.json'), { recursive: true });
    expect(store.retryHeld()).toEqual({ bans: 1, attacks: 0 });
    expect(store.loadBans().map((b) => b.ip)).toEqual(['198.51.100.2']);
    expect(store.health()).toMatchObject({ bansHeld: false, lastFailure: null });
  });

  it('with mustSave, leaves the bans as they were and tells no action when bans.json cannot be written', () => {
    const { dir, bans, events } = setup({ t: 0 });
    bans.ban(request('198.51.100.1'));
    rmSync(join(dir, 'bans.json'));
    mkdirSync(join(dir, 'bans.json', 'inside'), { recursive: true });
    expect(() => bans.ban(request('198.51.100.2'), { mustSave: true })).toThrow(/cannot write .*bans\.json: EISDIR/);
    expect(() => bans.unban('198.51.100.1', 'test', { mustSave: true })).toThrow(/cannot write .*bans\.json/);
    expect(bans.list().map((b) => b.ip)).toEqual(['198.51.100.1']);
    expect(events.map((e) => `${e.kind} ${e.ban?.ip}`)).toEqual(['ban 198.51.100.1']);
  });

  it('unban of an unknown host is a no-op', () => {
    const { bans, events } = setup({ t: 0 });
    expect(bans.unban('192.0.2.1', 'test')).toBeNull();
    expect(events).toEqual([]);
  });
});
