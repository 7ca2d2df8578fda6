// What the daemon does with a detected attack, against a real state directory and BanManager:
// the host is banned and the attack recorded, except an address that is no single host
// (broadcast, multicast, loopback, link-local, unspecified), which is recorded and not banned.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { ActionEvent } from '../../ts/actions/types.js';
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
  const events: ActionEvent[] = [];
  const bans = new BanManager(store, { dispatch: (e) => events.push(e) }, log);
  const listener = recordingListener({ store, bans, log, banTimeSeconds: () => 600 });
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
    expect(events.map((e) => `${e.kind} ${e.ban.ip}`)).toEqual(['ban 198.51.100.10']);
    expect(store.attackIds()).toHaveLength(10);
    const refused = lines.filter((l) => l.msg.startsWith('attack not banned'));
    expect(refused.map((l) => l.ip)).toEqual(notHosts);
    expect(refused[2]?.msg).toMatch(/239\.1\.2\.3 is a multicast address \(224\.0\.0\.0\/4\), not one host/);
  });

  it('bans nothing when the hostgroup does not ban', () => {
    const { bans, listener } = setup();
    listener.started(attackOn('198.51.100.10', 0), false);
    expect(bans.list()).toEqual([]);
  });
});
