// What the daemon does with a detected attack, against a real state directory and BanManager:
// the host is banned and the attack recorded, except an address that is no single host
// (broadcast, multicast, loopback, link-local, unspecified), which is recorded and not banned.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { IntegrationEvent } from '../../ts/integrations/types.js';
import { BanManager } from '../../ts/bans/manager.js';
import { newAttackRecord } from '../../ts/detection/attack-record.js';
import { recordingListener } from '../../ts/detection/recording-listener.js';
import { StateStore } from '../../ts/state/store.js';
import { violation } from './scripted-engine.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'floodwatch-listener-'));
  dirs.push(dir);
  const lines: { level: number; msg: string; ip?: string }[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  const store = new StateStore(dir, log);
  const events: IntegrationEvent[] = [];
  const sink = { dispatch: (e: IntegrationEvent) => void events.push(e) };
  const bans = new BanManager(store, sink, log);
  const listener = recordingListener({ store, bans, events: sink, log, banTimeSeconds: () => 600 });
  return { store, bans, events, lines, listener };
}

const attackOn = (ip: string, n: number) => newAttackRecord(`20260101T000000000-00${n}`, violation(ip, 5000), 'udp_flood', Date.parse('2026-01-01T00:00:00Z'));

describe('recordingListener', () => {
  it('bans a host, but not an address that is no single host: that attack is recorded, and the log says why it was not banned', () => {
    const { store, bans, events, lines, listener } = setup();
    const notHosts = ['0.0.0.0', '255.255.255.255', '239.1.2.3', '127.0.0.53', '169.254.1.1', '::', '::1', 'ff05::2', 'fe80::abcd'];
    notHosts.forEach((ip, n) => listener.started(attackOn(ip, n), true));
    listener.started(attackOn('198.51.100.10', 9), true);
    expect(bans.list().map((b) => b.ip)).toEqual(['198.51.100.10']);
    expect(events.filter((e) => e.kind === 'ban').map((e) => e.ip)).toEqual(['198.51.100.10']);
    expect(events.filter((e) => e.kind === 'attack_started')).toHaveLength(10);
    expect(store.attackIds()).toHaveLength(10);
    const refused = lines.filter((l) => l.msg.startsWith('attack not banned'));
    expect(refused.map((l) => l.ip)).toEqual(notHosts);
    expect(refused[2]?.msg).toMatch(/239\.1\.2\.3 is a multicast address \(224\.0\.0\.0\/4\), not one host/);
  });

  it('bans nothing when the hostgroup does not ban, and still tells the integrations of the attack, without a ban', () => {
    const { bans, events, listener } = setup();
    const attack = attackOn('198.51.100.10', 0);
    listener.started(attack, false);
    listener.detailed(attack, null);
    listener.ended({ ...attack, ended_at: '2026-01-01T00:01:00.000Z' });
    expect(bans.list()).toEqual([]);
    expect(events.map((e) => [e.kind, e.ip, e.attack?.id, e.ban])).toEqual([
      ['attack_started', '198.51.100.10', attack.id, null],
      ['attack_details', '198.51.100.10', attack.id, null],
      ['attack_ended', '198.51.100.10', attack.id, null],
    ]);
  });

  it('tells the integrations of a banned host in order: the attack, its ban, its details with the ban, its end', () => {
    const { events, listener } = setup();
    const attack = attackOn('198.51.100.10', 0);
    listener.started(attack, true);
    listener.detailed(attack, null);
    listener.ended({ ...attack, ended_at: '2026-01-01T00:01:00.000Z' });
    expect(events.map((e) => [e.kind, e.ban?.attack_id ?? null])).toEqual([
      ['attack_started', null],
      ['ban', attack.id],
      ['attack_details', attack.id],
      ['attack_ended', attack.id],
    ]);
  });
});
