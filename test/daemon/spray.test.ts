// An address spray through NetFlow v9: records towards many distinct IPv6 destinations, more
// than max_hosts, with a SYN flood to one host of the same network mixed in. The flood is
// banned; the sprayed hosts are counted cheaply (compact, marked approximate) and make room for
// each other; once the spray stops, idle eviction empties the table again.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePrometheusText, valueOf } from '../api/prometheus-text.js';
import { callsFor, daemonConfig, DaemonProcess, freeUdpPort, Teardown, waitFor, writeConfig, writeNotifyScript } from '../support/daemon.js';
import { sendSpray, sprayDestination, type SprayReport } from '../support/netflow-spray.js';

const PREFIX36 = '2001:db8:1';
const FLOODED = '2001:db8:1777:7777::7';
const DESTINATIONS = 60_000;
const MAX_HOSTS = 10_000;

const teardown = new Teardown();
let daemon: DaemonProcess;
let notifyLog: string;
let spray: SprayReport;

/** Polls `probe` until it gives something. */
async function eventually<T>(probe: () => Promise<T | null>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

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
  const dir = mkdtempSync(join(tmpdir(), 'floodwatch-spray-'));
  teardown.defer(() => rmSync(dir, { recursive: true, force: true }));
  const script = writeNotifyScript(dir);
  notifyLog = script.log;
  const port = await freeUdpPort();
  const config = daemonConfig({
    stateDir: join(dir, 'state'),
    port,
    script: script.path,
    thresholds: { incoming: { pps: 20_000, mbps: 1000 }, outgoing: { pps: 20_000, mbps: 1000 } },
  });
  config.networks = ['2001:db8:1000::/36'];
  config.counters = { max_hosts: MAX_HOSTS, idle_timeout_ms: 3000 };
  daemon = await DaemonProcess.start(writeConfig(join(dir, 'floodwatch.yaml'), config));
  teardown.defer(() => daemon.kill());
  spray = await sendSpray(port, { prefix36: PREFIX36, destinations: DESTINATIONS, rate: 1000, flood: { host: FLOODED, pps: 80_000, floodFrom: 0.5 } });
}, 120_000);

afterAll(() => teardown.run());

describe('an address spray through NetFlow with a flood mixed in', () => {
  it('bans the flood', async () => {
    await waitFor(`the ban of ${FLOODED}`, () => callsFor(notifyLog, FLOODED, 'ban').length > 0);
    const flooded = await daemon.host(FLOODED);
    expect(flooded?.incoming.protocols.tcp_syn.packets_total).toBeGreaterThan(0);
  });

  it('holds no more than max_hosts, the sprayed hosts counted compact and said to be approximate', async () => {
    const m = await metrics();
    expect(valueOf(m, 'floodwatch_hosts', {})).toBeLessThanOrEqual(MAX_HOSTS);
    expect(valueOf(m, 'floodwatch_host_evictions_total', { reason: 'full' })).toBeGreaterThan(0);
    expect(valueOf(m, 'floodwatch_host_table_memory_bytes', {})).toBeGreaterThan(0);
    expect(valueOf(m, 'floodwatch_hosts_by_tier', { tier: 'compact' })).toBeGreaterThan(0);
    expect(valueOf(m, 'floodwatch_hosts_by_tier', { tier: 'full' })).toBeGreaterThanOrEqual(1);
    expect(valueOf(m, 'floodwatch_hosts_protected', {})).toBeDefined();
    // One of the last sprayed hosts, once the engine counted its datagram (a tick or two).
    const last = await eventually(async () => {
      for (let i = DESTINATIONS - 1; i >= DESTINATIONS - 240; i--) {
        const host = await daemon.host(sprayDestination(PREFIX36, i));
        if (host) return host;
      }
      return null;
    });
    expect(last.incoming.packets_total).toBe(1);
    expect(last.incoming.approximate).toBe(true);
    expect(spray.records).toBeGreaterThan(DESTINATIONS);
  });

  it('shrinks back by idle eviction once the spray stops', async () => {
    // The flood's speed decays for about 20 s before its host is quiet enough to go too.
    const emptied = await eventually(async () => {
      const m = await metrics();
      return valueOf(m, 'floodwatch_hosts', {}) === 0 ? m : null;
    }, 30_000);
    expect(valueOf(emptied, 'floodwatch_hosts', {})).toBe(0);
    expect(valueOf(emptied, 'floodwatch_host_evictions_total', { reason: 'idle' })).toBeGreaterThan(0);
  }, 40_000);
});
