// `floodwatch run` on a live NetFlow stream from softflowd: a SYN flood and an NTP reflection are
// banned as what they are, a host under its thresholds and a whitelisted host never, the notify
// script gets FastNetMon's arguments and the report, and the ban is lifted only once the flood is
// over and its time is up.
import { mkdtempSync, rmSync } from 'node:fs';
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
  readBans,
  readScriptCalls,
  Teardown,
  waitFor,
  writeConfig,
  writeNotifyScript,
} from '../support/daemon.js';
import { ntpReflection, stream, synFlood, udpTraffic, writeCapture } from './floods.js';
import { startLiveNetFlow, type Replayed } from './live.js';

const SYN_FLOODED = '198.51.100.10';
const UNDER_THRESHOLD = '198.51.100.20';
const UNDER_THRESHOLD_V6 = '2001:db8:1::20';
const WHITELISTED = '198.51.100.30';
const NTP_REFLECTED = '198.51.100.40';

const BAN_SECONDS = 4;
/** Longer than the ban time, so that the ban is up while the flood goes on. */
const FLOOD_SECONDS = 8;

const teardown = new Teardown();
let dir: string;
let stateDir: string;
let notifyLog: string;
let daemon: DaemonProcess;
let replaying: Promise<Replayed>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'floodwatch-daemon-detection-'));
  teardown.defer(() => rmSync(dir, { recursive: true, force: true }));
  stateDir = join(dir, 'state');
  const script = writeNotifyScript(dir);
  notifyLog = script.log;
  const port = await freeUdpPort();
  const config = writeConfig(
    join(dir, 'floodwatch.yaml'),
    daemonConfig({
      stateDir,
      port,
      script: script.path,
      whitelist: [`${WHITELISTED}/32`],
      banSeconds: BAN_SECONDS,
      thresholds: { incoming: { pps: 5000, mbps: 4, tcp_syn: { pps: 1000 } } },
    }),
  );
  const capture = writeCapture(
    join(dir, 'floods.pcap'),
    stream(3000, FLOOD_SECONDS, synFlood(SYN_FLOODED)), // 3 times the tcp_syn threshold
    stream(3000, FLOOD_SECONDS, synFlood(WHITELISTED)), // the same flood
    stream(2400, FLOOD_SECONDS, ntpReflection(NTP_REFLECTED)), // 9.2 Mbit/s, over twice the mbps threshold
    stream(400, FLOOD_SECONDS, udpTraffic(UNDER_THRESHOLD)), // 0.6 Mbit/s
    stream(300, FLOOD_SECONDS, udpTraffic(UNDER_THRESHOLD_V6)),
  );
  daemon = await DaemonProcess.start(config);
  teardown.defer(() => daemon.kill());
  const live = await startLiveNetFlow(dir, port);
  teardown.defer(() => live.close());
  replaying = live.replay(capture);
  // Awaited by the tests; a failure must not go unhandled meanwhile.
  replaying.catch(() => {});
});

afterAll(() => teardown.run());

describe('floodwatch run on a live NetFlow stream', () => {
  it('bans the SYN-flooded host, records the attack as a SYN flood and calls the script as FastNetMon does', async () => {
    const ban = await waitFor(`a ban call for ${SYN_FLOODED}`, () => callsFor(notifyLog, SYN_FLOODED, 'ban')[0]);
    expect(ban.args).toEqual([SYN_FLOODED, 'incoming', expect.stringMatching(/^[1-9]\d*$/), 'ban']);
    expect(ban.stdin).toMatch(new RegExp(`^IP address: +${SYN_FLOODED.replaceAll('.', '\\.')}$`, 'm'));
    expect(ban.stdin).toMatch(/^Attack type: +SYN flood \(syn_flood\)$/m);

    expect(readBans(stateDir)).toContainEqual(expect.objectContaining({ ip: SYN_FLOODED, direction: 'incoming', manual: false }));
    const [attack] = attacksOn(stateDir, SYN_FLOODED);
    expect(attack).toMatchObject({ ip: SYN_FLOODED, direction: 'incoming', type: 'syn_flood' });
    expect(readBans(stateDir).find((b) => b.ip === SYN_FLOODED)!.attack_id).toBe(attack.id);

    const details = await waitFor(`an attack_details call for ${SYN_FLOODED}`, () => callsFor(notifyLog, SYN_FLOODED, 'attack_details')[0]);
    expect(details.args).toEqual([SYN_FLOODED, 'incoming', expect.stringMatching(/^[1-9]\d*$/), 'attack_details']);
    expect(details.time).toBeGreaterThanOrEqual(ban.time);
    expect(details.stdin).toMatch(/^Attack type: +SYN flood \(syn_flood\)$/m);
    expect(details.stdin).toMatch(/^ *203\.0\.113\.\d+ +\d+ +\d+$/m); // a top source
  });

  it('bans the NTP reflection as NTP amplification', async () => {
    await waitFor(`a ban of ${NTP_REFLECTED}`, () => isBanned(stateDir, NTP_REFLECTED));
    const attack = await waitFor(`the attack on ${NTP_REFLECTED} classified as NTP amplification`, () =>
      attacksOn(stateDir, NTP_REFLECTED).find((a) => a.type === 'ntp_amplification'),
    );
    expect(attack.top_source_ports[0]?.key).toBe('udp/123');
    const details = await waitFor(`an attack_details call for ${NTP_REFLECTED}`, () => callsFor(notifyLog, NTP_REFLECTED, 'attack_details')[0]);
    expect(details.stdin).toMatch(/^Attack type: +NTP amplification \(ntp_amplification\)$/m);
  });

  it('lifts the SYN flood ban only after the flood stopped, once the ban time is up', async () => {
    const replayed = await replaying;
    const unban = await waitFor(`an unban call for ${SYN_FLOODED}`, () => callsFor(notifyLog, SYN_FLOODED, 'unban')[0], 30_000);
    const [ban] = callsFor(notifyLog, SYN_FLOODED, 'ban');
    expect(ban.time).toBeLessThan(replayed.endedAt);
    expect(unban.time).toBeGreaterThan(replayed.endedAt);
    expect(unban.args).toEqual([SYN_FLOODED, 'incoming', expect.stringMatching(/^\d+$/), 'unban']);
    // The ban time ran out during the flood: the ban was extended rather than lifted.
    expect(daemon.logged('ban time is up but the attack goes on: ban extended', { ip: SYN_FLOODED }).length).toBeGreaterThan(0);
    expect(isBanned(stateDir, SYN_FLOODED)).toBe(false);
  });

  it('never bans a host under its thresholds, nor a whitelisted host over them', async () => {
    await replaying;
    // The flood's unban comes once softflowd has exported the whole capture and it was counted.
    await waitFor(`an unban call for ${SYN_FLOODED}`, () => callsFor(notifyLog, SYN_FLOODED, 'unban')[0], 30_000);
    for (const ip of [UNDER_THRESHOLD, UNDER_THRESHOLD_V6, WHITELISTED]) {
      expect((await daemon.host(ip))?.incoming.packets_total, `${ip}'s packets counted`).toBeGreaterThan(0);
      expect(readScriptCalls(notifyLog).filter((call) => call.args[0] === ip)).toEqual([]);
      expect(attacksOn(stateDir, ip)).toEqual([]);
      expect(isBanned(stateDir, ip)).toBe(false);
    }
  });
});
