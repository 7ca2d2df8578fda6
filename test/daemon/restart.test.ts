// Bans are state: after a kill -9 the daemon restores them and applies their actions again, and a
// ban whose time ran out while the daemon was down is lifted when it starts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callsFor, daemonConfig, DaemonProcess, freeUdpPort, readBans, Teardown, waitFor, writeConfig, writeNotifyScript } from '../support/daemon.js';
import { stream, synFlood, writeCapture } from './floods.js';
import { startLiveNetFlow } from './live.js';

const FLOODED = '198.51.100.10';
/** Long enough for a restart before it runs out. */
const BAN_SECONDS = 10;

const teardown = new Teardown();
let dir: string;
let stateDir: string;
let notifyLog: string;
let config: string;
let running: DaemonProcess | undefined;

async function startDaemon(): Promise<DaemonProcess> {
  const daemon = await DaemonProcess.start(config);
  running = daemon;
  return daemon;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'floodwatch-daemon-restart-'));
  teardown.defer(() => rmSync(dir, { recursive: true, force: true }));
  stateDir = join(dir, 'state');
  const script = writeNotifyScript(dir);
  notifyLog = script.log;
  const port = await freeUdpPort();
  config = writeConfig(join(dir, 'floodwatch.yaml'), daemonConfig({ stateDir, port, script: script.path, banSeconds: BAN_SECONDS }));
  teardown.defer(() => running?.kill());
  const live = await startLiveNetFlow(dir, port);
  teardown.defer(() => live.close());
  const daemon = await startDaemon();
  const capture = writeCapture(join(dir, 'syn-flood.pcap'), stream(3000, 3, synFlood(FLOODED)));
  const replaying = live.replay(capture);
  replaying.catch(() => {});
  await waitFor(`a ban call for ${FLOODED}`, () => callsFor(notifyLog, FLOODED, 'ban')[0]);
  await daemon.kill();
});

afterAll(() => teardown.run());

describe('floodwatch run after a kill -9', () => {
  it('restores the ban and applies its actions again', async () => {
    const [saved] = readBans(stateDir);
    expect(saved).toMatchObject({ ip: FLOODED, direction: 'incoming' });
    const bansBefore = callsFor(notifyLog, FLOODED, 'ban').length;

    const daemon = await startDaemon();
    expect(daemon.logged('bans restored from the state directory')).toEqual([expect.objectContaining({ restored: 1, lifted: 0 })]);
    const again = await waitFor('the ban applied again', () => callsFor(notifyLog, FLOODED, 'ban')[bansBefore]);
    expect(again.args).toEqual([FLOODED, 'incoming', expect.stringMatching(/^[1-9]\d*$/), 'ban']);
    expect(again.stdin).toMatch(/^Attack type: +SYN flood \(syn_flood\)$/m);
    expect(readBans(stateDir)).toEqual([saved]);
    expect(callsFor(notifyLog, FLOODED, 'unban')).toEqual([]);
    await daemon.kill();
  });

  it('lifts, with an unban call, a ban that expired while it was down', async () => {
    const [ban] = readBans(stateDir);
    expect(ban).toBeDefined();
    await waitFor('the ban to expire', () => Date.now() > Date.parse(ban.expires_at) + 500, (BAN_SECONDS + 5) * 1000);
    expect(callsFor(notifyLog, FLOODED, 'unban')).toEqual([]);

    const daemon = await startDaemon();
    expect(daemon.logged('bans restored from the state directory')).toEqual([expect.objectContaining({ restored: 0, lifted: 1 })]);
    const unban = await waitFor(`an unban call for ${FLOODED}`, () => callsFor(notifyLog, FLOODED, 'unban')[0]);
    expect(unban.args).toEqual([FLOODED, 'incoming', expect.stringMatching(/^\d+$/), 'unban']);
    expect(unban.stdin).toContain(`floodwatch: ${FLOODED} unbanned`);
    expect(readBans(stateDir)).toEqual([]);
    await daemon.stop();
  });
});
