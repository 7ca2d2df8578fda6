// An address spray through a mirror port (root only): trafgen sends frames to random /128s of a
// monitored /64 into a veth pair whose other end floodwatch captures with AF_PACKET, a UDP flood
// to one host of the same /64 mixed in. The flood is banned; the table stays within max_hosts;
// after the spray it empties by idle eviction.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePrometheusText, valueOf } from '../api/prometheus-text.js';
import { callsFor, daemonConfig, DaemonProcess, freeUdpPort, Teardown, waitFor, writeConfig, writeNotifyScript } from '../support/daemon.js';
import { createVethPair } from '../support/veth.js';

const isRoot = process.getuid?.() === 0;
const FLOODED = '2001:db8:1::7';
const MAX_HOSTS = 20_000;
/** 3 sprayed frames for each frame of the flood: at 40 000 frames/s, 10 000 a second to the flood's host. */
const FRAMES = 160_000;
const RATE = 40_000;

const bytes = (hex: string) =>
  hex
    .match(/../g)!
    .map((b) => `0x${b}`)
    .join(', ');

/** Ethernet, IPv6 (UDP, 26 bytes of payload) from 2001:db8:99::1 to `destination` (trafgen bytes), UDP 53 to 1024. */
function frame(destination: string): string {
  const eth = 'eth(da=02:00:00:00:00:02, sa=02:00:00:00:00:01, type=0x86dd)';
  const ip = `0x60, 0x00, 0x00, 0x00, 0x00, 0x1a, 0x11, 0x40, ${bytes('20010db8009900000000000000000001')}, ${destination}`;
  return `{ ${eth}, ${ip}, 0x00, 0x35, 0x04, 0x00, 0x00, 0x1a, 0x00, 0x00, fill(0x00, 18) }`;
}

const teardown = new Teardown();
let daemon: DaemonProcess;
let notifyLog: string;

/** The floodwatch_ families of /metrics (the process's own, e.g. nodejs_eventloop_lag_*, can read Nan). */
const metrics = async () => {
  const text = await (await fetch((await daemon.apiUrl()).replace(/\/api\/v1$/, '/metrics'))).text();
  return parsePrometheusText(
    text
      .split('\n')
      .filter((line) => /^(# (HELP|TYPE) )?floodwatch_/.test(line))
      .join('\n') + '\n',
  );
};

beforeAll(async () => {
  if (!isRoot) return;
  const dir = mkdtempSync(join(tmpdir(), 'floodwatch-spray-mirror-'));
  teardown.defer(() => rmSync(dir, { recursive: true, force: true }));
  const veth = createVethPair();
  teardown.defer(() => veth.remove());
  const script = writeNotifyScript(dir);
  notifyLog = script.log;
  const config = daemonConfig({ stateDir: join(dir, 'state'), port: await freeUdpPort(), script: script.path, thresholds: { incoming: { pps: 5000 } } });
  config.networks = ['2001:db8:1::/64'];
  config.counters = { max_hosts: MAX_HOSTS, idle_timeout_ms: 3000 };
  (config.sources as Record<string, unknown>).mirror = [{ interface: veth.capture, workers: 1 }];
  daemon = await DaemonProcess.start(writeConfig(join(dir, 'floodwatch.yaml'), config));
  teardown.defer(() => daemon.kill());
  const random = `${bytes('20010db800010000')}, drnd(8)`;
  const conf = join(dir, 'spray.trafgen');
  writeFileSync(conf, [frame(random), frame(random), frame(random), frame(bytes('20010db8000100000000000000000007'))].join('\n') + '\n');
  execFileSync(
    'trafgen',
    ['--dev', veth.send, '--conf', conf, '--num', String(FRAMES), '--rate', `${RATE}pps`, '--cpus', '1', '--no-sock-mem', '--notouch-irq'],
    { stdio: 'ignore', timeout: 60_000 },
  );
}, 120_000);

afterAll(() => teardown.run());

describe.runIf(isRoot)('an address spray through a mirror port with a flood mixed in', () => {
  it('bans the flood, holds no more than max_hosts and counts the sprayed hosts compact', async () => {
    await waitFor(`the ban of ${FLOODED}`, () => callsFor(notifyLog, FLOODED, 'ban').length > 0);
    const m = await metrics();
    expect(valueOf(m, 'floodwatch_hosts', {})).toBeLessThanOrEqual(MAX_HOSTS);
    expect(valueOf(m, 'floodwatch_host_evictions_total', { reason: 'full' })).toBeGreaterThan(0);
    expect(valueOf(m, 'floodwatch_hosts_by_tier', { tier: 'compact' })).toBeGreaterThan(0);
    expect(valueOf(m, 'floodwatch_host_promotions_total', {})).toBeGreaterThanOrEqual(1);
  });

  it('shrinks back by idle eviction once the spray stops', async () => {
    // The flood's speed decays for about 20 s before its host is quiet enough to go too.
    const deadline = Date.now() + 40_000;
    let hosts = await metrics().then((m) => valueOf(m, 'floodwatch_hosts', {}));
    while (hosts !== 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      hosts = await metrics().then((m) => valueOf(m, 'floodwatch_hosts', {}));
    }
    expect(hosts).toBe(0);
    expect(valueOf(await metrics(), 'floodwatch_host_evictions_total', { reason: 'idle' })).toBeGreaterThan(0);
  }, 50_000);
});
