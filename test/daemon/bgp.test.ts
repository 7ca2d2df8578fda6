// `floodwatch run` with the GoBGP action, as an operator runs it: a ban made through the REST
// API reaches a BGP peer of gobgpd as a blackhole route with its communities, the unban
// withdraws it, and a restart of floodwatch announces the active ban again.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, freeTcpPort, startSpeakerAndPeer, type Gobgpd } from '../support/gobgpd.js';
import { daemonConfig, DaemonProcess, freeUdpPort, writeConfig } from '../support/daemon.js';

const ASN = 64512;
const SPEAKER = '127.0.0.1';
const BLACKHOLE = 4294902426; // 65535:666

let dir: string;
let speaker: Gobgpd | undefined;
let peer: Gobgpd | undefined;
let daemon: DaemonProcess | undefined;
let configPath: string;
let api: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'floodwatch-daemon-bgp-'));
  const [apiPort, flowPort] = await Promise.all([freeTcpPort(), freeUdpPort()]);
  ({ speaker, peer } = await startSpeakerAndPeer(dir, ASN));
  const config = daemonConfig({ stateDir: join(dir, 'state'), port: flowPort, banSeconds: 600 });
  api = `http://127.0.0.1:${apiPort}`;
  (config.api as Record<string, unknown>).listen = `127.0.0.1:${apiPort}`;
  (config.actions as Record<string, unknown>).gobgp = {
    enabled: true,
    api: speaker.api,
    blackhole: { next_hop_ipv4: '192.0.2.66', communities: ['65535:666'], large_communities: ['64512:666:1'] },
    resync_seconds: 2,
  };
  configPath = writeConfig(join(dir, 'floodwatch.yaml'), config);
  daemon = await DaemonProcess.start(configPath);
  await eventually('the BGP session between the speaker and its peer', () => peer!.established(SPEAKER), 25_000);
}, 45_000);

afterAll(async () => {
  await daemon?.kill();
  await Promise.allSettled([speaker?.stop(), peer?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

const ban = (ip: string) =>
  fetch(`${api}/api/v1/bans`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ip, comment: 'bgp test' }) });
const unban = (ip: string) => fetch(`${api}/api/v1/bans/${ip}`, { method: 'DELETE' });

describe('floodwatch run with GoBGP', () => {
  it('announces a ban as a blackhole route with its communities, and withdraws it on unban', async () => {
    expect((await ban('198.51.100.77')).status).toBe(201);
    const paths = await eventually('the /32 at the peer', async () => (await peer!.rib('ipv4'))['198.51.100.77/32']);
    const attrs = paths[0].attrs;
    expect(attrs.find((a) => a.type === 3)).toMatchObject({ nexthop: '192.0.2.66' });
    expect(attrs.find((a) => a.type === 8)).toMatchObject({ communities: [BLACKHOLE] });
    expect(JSON.stringify(attrs.find((a) => a.type === 32))).toContain('666');
    expect((await unban('198.51.100.77')).status).toBe(200);
    await eventually('the /32 gone from the peer', async () => !(await peer!.rib('ipv4'))['198.51.100.77/32']);
  });

  it('announces the active bans again after a restart of floodwatch and of gobgpd', async () => {
    expect((await ban('198.51.100.78')).status).toBe(201);
    await eventually('the /32 at the peer', async () => (await peer!.rib('ipv4'))['198.51.100.78/32']);
    await daemon!.kill();
    await speaker!.kill();
    await speaker!.start();
    daemon = await DaemonProcess.start(configPath);
    await eventually('the ban announced again', async () => (await speaker!.rib('ipv4'))['198.51.100.78/32'], 20_000);
  });
});
