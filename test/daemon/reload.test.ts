// SIGHUP reloads thresholds and whitelist from the config file: floods that follow are judged by
// the new ones, and the bans made before stay. A config file with a mistake is refused and the
// running configuration stays in force.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  attacksOn,
  callsFor,
  daemonConfig,
  DaemonProcess,
  freeUdpPort,
  isBanned,
  readScriptCalls,
  Teardown,
  waitFor,
  writeConfig,
  writeNotifyScript,
  type DaemonConfigOptions,
} from '../support/daemon.js';
import { CONFIGURATION_RELOADED } from '../../ts/config/reload-scope.js';
import { stream, synFlood, udpTraffic, writeCapture } from './floods.js';
import { startLiveNetFlow, type LiveNetFlow } from './live.js';

/** Banned before the reload. */
const BANNED_BEFORE = '198.51.100.10';
/** After the reload: a SYN flood, which only the old thresholds ban. */
const SYN_FLOODED = '198.51.100.20';
/** After the reload: a UDP flood, which only the new thresholds ban. */
const UDP_FLOODED = '198.51.100.30';
/** After the reload: the same UDP flood, to a host the reload whitelisted. */
const WHITELISTED = '198.51.100.40';

const RELOADED = CONFIGURATION_RELOADED;
/** The API token before the reload, and the one that replaces it. */
const OLD_TOKEN = 'old-token-0123456789abcdef';
const NEW_TOKEN = 'new-token-0123456789abcdef';
/** Banned and unbanned through the API around the token change. */
const BANNED_BY_HAND = '198.51.100.50';

/** A daemon configuration with API tokens. */
function withTokens(config: Record<string, unknown>, tokens: string[], api: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...config, api: { ...(config.api as object), tokens, ...api } };
}

const teardown = new Teardown();
let dir: string;
let stateDir: string;
let notifyLog: string;
let configPath: string;
let baseConfig: DaemonConfigOptions;
let daemon: DaemonProcess;
let live: LiveNetFlow;

/** Sends SIGHUP; resolves when the daemon has logged `msg` once more. */
async function sighup(msg: string): Promise<void> {
  const before = daemon.logged(msg).length;
  daemon.signal('SIGHUP');
  await waitFor(`'${msg}' in the log`, () => daemon.logged(msg).length > before);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'floodwatch-daemon-reload-'));
  teardown.defer(() => rmSync(dir, { recursive: true, force: true }));
  stateDir = join(dir, 'state');
  const script = writeNotifyScript(dir);
  notifyLog = script.log;
  const port = await freeUdpPort();
  baseConfig = { stateDir, port, script: script.path, banSeconds: 120, thresholds: { incoming: { tcp_syn: { pps: 1000 } } } };
  configPath = writeConfig(join(dir, 'floodwatch.yaml'), withTokens(daemonConfig(baseConfig), [OLD_TOKEN]));
  daemon = await DaemonProcess.start(configPath);
  teardown.defer(() => daemon.kill());
  live = await startLiveNetFlow(dir, port);
  teardown.defer(() => live.close());
  const before = writeCapture(join(dir, 'before.pcap'), stream(2500, 3, synFlood(BANNED_BEFORE)));
  await live.replay(before);
  await waitFor(`a ban call for ${BANNED_BEFORE}`, () => callsFor(notifyLog, BANNED_BEFORE, 'ban')[0]);
});

afterAll(() => teardown.run());

describe('floodwatch run on SIGHUP', () => {
  it('judges new floods by the reloaded thresholds and whitelist, and keeps the bans', async () => {
    const countedBefore = (await daemon.host(BANNED_BEFORE))!.incoming.packets_total;
    writeConfig(
      configPath,
      withTokens(daemonConfig({ ...baseConfig, thresholds: { incoming: { udp: { pps: 1000 } } }, whitelist: [`${WHITELISTED}/32`] }), [OLD_TOKEN]),
    );
    await sighup(RELOADED);
    expect((await daemon.host(BANNED_BEFORE))?.incoming.packets_total).toBeGreaterThanOrEqual(countedBefore);
    const after = writeCapture(
      join(dir, 'after.pcap'),
      stream(2500, 4, synFlood(SYN_FLOODED)),
      stream(2500, 4, udpTraffic(UDP_FLOODED)),
      stream(2500, 4, udpTraffic(WHITELISTED)),
    );
    await live.replay(after);
    await waitFor(`a ban call for ${UDP_FLOODED}`, () => callsFor(notifyLog, UDP_FLOODED, 'ban')[0]);
    // Its details come once the flood has been watched a while: the others' floods were counted by then.
    await waitFor(`an attack_details call for ${UDP_FLOODED}`, () => callsFor(notifyLog, UDP_FLOODED, 'attack_details')[0]);
    expect(attacksOn(stateDir, UDP_FLOODED)).toEqual([
      expect.objectContaining({ type: 'udp_flood', threshold: expect.objectContaining({ metric: 'udp_pps', value: 1000 }) }),
    ]);

    for (const ip of [SYN_FLOODED, WHITELISTED]) {
      expect((await daemon.host(ip))?.incoming.packets_total).toBeGreaterThan(0);
      expect(readScriptCalls(notifyLog).filter((call) => call.args[0] === ip)).toEqual([]);
      expect(attacksOn(stateDir, ip)).toEqual([]);
      expect(isBanned(stateDir, ip)).toBe(false);
    }
    expect(isBanned(stateDir, BANNED_BEFORE)).toBe(true);
    expect(callsFor(notifyLog, BANNED_BEFORE, 'unban')).toEqual([]);
    expect(daemon.logged(/starting/)).toHaveLength(1);
  });

  it('takes new API tokens at once, and names the changed settings that need a restart', async () => {
    const api = await daemon.apiUrl();
    const ban = (token: string) =>
      fetch(`${api}/bans`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ ip: BANNED_BY_HAND }),
      });
    const unban = (token: string) => fetch(`${api}/bans/${BANNED_BY_HAND}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
    expect((await ban(NEW_TOKEN)).status).toBe(401);
    expect((await ban(OLD_TOKEN)).status).toBe(201);

    const reloaded = { ...baseConfig, thresholds: { incoming: { udp: { pps: 1000 } } }, whitelist: [`${WHITELISTED}/32`] };
    const moved = withTokens(daemonConfig(reloaded), [NEW_TOKEN], { listen: '127.0.0.1:1' });
    writeConfig(configPath, { ...moved, counters: { tick_ms: 50 } });
    await sighup(RELOADED);
    expect((await unban(OLD_TOKEN)).status).toBe(401);
    expect(isBanned(stateDir, BANNED_BY_HAND)).toBe(true);
    expect((await unban(NEW_TOKEN)).status).toBe(200);
    const [restart] = daemon.logged(/but in force only after a restart/);
    expect(restart).toMatchObject({ level: 40, settings: ['counters.tick_ms', 'api.listen'] });
    expect(restart!.msg).toBe(`changed in ${configPath} but in force only after a restart: counters.tick_ms, api.listen`);
    // Still where it listened: api.listen needs a restart.
    expect(await daemon.apiUrl()).toBe(api);
    expect((await fetch(`${api}/bans`)).status).toBe(200);
  });

  it('refuses a config file with a mistake and keeps running on the one in force', async () => {
    writeFileSync(configPath, 'thresholds:\n  incoming:\n    pps: -1\n');
    await sighup('reload refused: the running configuration stays in force');
    const [refused] = daemon.logged('reload refused: the running configuration stays in force');
    expect(refused.error).toContain(`${configPath}: thresholds.incoming.pps:`);
    expect(daemon.running).toBe(true);
    expect(isBanned(stateDir, BANNED_BEFORE)).toBe(true);
  });

  it('stops on SIGTERM with exit status 0', async () => {
    expect(await daemon.stop()).toEqual({ code: 0, signal: null });
    expect(daemon.logged('stopping', { signal: 'SIGTERM' })).toHaveLength(1);
  });
});
