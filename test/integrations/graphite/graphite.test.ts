// The Graphite push against a real carbon-cache: known traffic through a real engine, read back
// from the whisper files; FastNetMon's paths; IPv6 and host names; one connection kept open;
// attack events as points.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Static } from '@sinclair/typebox';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GraphiteIntegration } from '../../../ts/integrations/graphite/graphite.js';
import { graphite, type GraphiteSchema } from '../../../ts/integrations/graphite/index.js';
import type { Integration } from '../../../ts/integrations/types.js';
import { CarbonServer } from '../../support/carbon.js';
import { eventually } from '../../support/gobgpd.js';
import { sampleAttack } from '../support.js';
import { depsFor, sendKnownTraffic, type KnownTraffic } from '../influxdb/known-traffic.js';

type GraphiteConfig = Static<typeof GraphiteSchema>;

let dir: string;
let carbon: CarbonServer;
let known: KnownTraffic;
const opened: Integration[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'floodwatch-graphite-test-'));
  [carbon, known] = await Promise.all([CarbonServer.start(), sendKnownTraffic(dir)]);
}, 90_000);

afterAll(async () => {
  known?.engine.stop();
  await carbon?.stop();
  rmSync(dir, { recursive: true, force: true });
});

afterEach(async () => {
  for (const integration of opened.splice(0)) await integration.stop?.();
});

function configFor(server: CarbonServer, prefix: string, overrides: Partial<GraphiteConfig> = {}): GraphiteConfig {
  return { ...graphite.defaults(), enabled: true, host: server.host, port: server.port, prefix, ...overrides };
}

async function open(config: GraphiteConfig): Promise<GraphiteIntegration> {
  const integration = (await graphite.create(config, depsFor(known.engine, known.config).deps)) as GraphiteIntegration;
  opened.push(integration);
  integration.start();
  return integration;
}

/** The value of the first point stored for `path` after `after` (ms). */
function firstValueAfter(server: CarbonServer, path: string, after: number): Promise<number> {
  return eventually(`a point for ${path} after ${new Date(after).toISOString()}`, () => server.points(path).find((p) => p.time * 1000 > after)?.value);
}

describe('Graphite push of known traffic', () => {
  it("pushes totals, networks, hostgroups and hosts in FastNetMon's paths, adding up to what was sent within one push", async () => {
    await open(configFor(carbon, 'fw'));
    const { expected, settledAt: after } = known;
    const at = (path: string) => firstValueAfter(carbon, path, after);
    for (const direction of ['incoming', 'outgoing'] as const) {
      expect(await at(`fw.total.${direction}.packets_total`)).toBe(expected.totals[direction].packets);
      expect(await at(`fw.total.${direction}.bytes_total`)).toBe(expected.totals[direction].bytes);
      expect(await at(`fw.total.${direction}.pps`)).toBeGreaterThanOrEqual(0);
    }
    // FastNetMon: networks with dots and the slash as _, per direction .pps/.bps.
    expect(await at('fw.networks.198_51_100_0_24.incoming.packets_total')).toBe(expected.networks['198.51.100.0/24'].incoming.packets);
    expect(await at('fw.networks.198_51_100_0_24.outgoing.bytes_total')).toBe(expected.networks['198.51.100.0/24'].outgoing.bytes);
    expect(await at('fw.networks.198_51_100_0_24.incoming.bps')).toBeGreaterThanOrEqual(0);
    expect(await at('fw.networks.2001_db8_1___48.incoming.packets_total')).toBe(expected.networks['2001:db8:1::/48'].incoming.packets);
    expect(await at('fw.hostgroups.web.incoming.packets_total')).toBe(expected.hostgroups.web.incoming.packets);
    expect(await at('fw.hostgroups.global.incoming.bytes_total')).toBe(expected.hostgroups.global.incoming.bytes);
    expect(await at('fw.hostgroups.web.hosts')).toBe(2);
    // FastNetMon: hosts with dots as _, rates under .average.
    for (const [ip, totals] of expected.hosts) {
      const path = `fw.hosts.${ip.replace(/[.:]/g, '_')}.incoming`;
      expect(await at(`${path}.packets_total`)).toBe(totals.packets);
      expect(await at(`${path}.average.pps`)).toBeGreaterThanOrEqual(0);
      expect(await at(`${path}.average.flows`)).toBeGreaterThanOrEqual(0);
    }
    expect(await at('fw.hosts.198_51_100_20.incoming.average.tcp_syn.pps')).toBeGreaterThanOrEqual(0);
    // The engine's own health.
    expect(await at('fw.engine.hosts')).toBe(known.engine.snapshot(0).table.hosts);
  }, 60_000);

  it('keeps one connection open across pushes, to a host name', async () => {
    const integration = await open(configFor(carbon, 'named', { host: 'localhost' }));
    await eventually('four pushes', () => integration.pusher.batchesSent >= 4, 15_000);
    expect(integration.connection.connections).toBe(1);
    expect(carbon.latest('named.total.incoming.packets_total')).toBe(known.expected.totals.incoming.packets);
  }, 30_000);

  it('does not connect again for a push still being read when it stops', async () => {
    const integration = await open(configFor(carbon, 'stopping'));
    await eventually('a push', () => integration.pusher.batchesSent >= 1, 15_000);
    const late = integration.pusher.pushNow();
    await integration.stop();
    await late;
    await new Promise((r) => setTimeout(r, 300));
    expect(integration.connection.connections).toBe(1);
    expect(integration.connection.connected).toBe(false);
  }, 30_000);

  it('pushes to an IPv6 address', async () => {
    const carbon6 = await CarbonServer.start({ host: '::1' });
    try {
      await open(configFor(carbon6, 'v6'));
      expect(await firstValueAfter(carbon6, 'v6.total.incoming.packets_total', 0)).toBe(known.expected.totals.incoming.packets);
    } finally {
      await carbon6.stop();
    }
  }, 60_000);

  it('pushes every host under attack even when it is not among the top hosts, and each attack event as a point', async () => {
    const integration = await open(configFor(carbon, 'attacks', { top_hosts: 0 }));
    const attack = sampleAttack({ ip: '198.51.100.30', hostgroup: 'web', type: 'icmp_flood' });
    const event = { ip: attack.ip, direction: attack.direction, hostgroup: attack.hostgroup, attack, ban: null, at: attack.started_at };
    await integration.run({ ...event, kind: 'attack_started' });
    const path = 'attacks.attacks.198_51_100_30.incoming';
    expect(await firstValueAfter(carbon, `${path}.started`, 0)).toBe(1);
    expect(await firstValueAfter(carbon, `${path}.type.icmp_flood`, 0)).toBe(1);
    expect(await firstValueAfter(carbon, `${path}.peak.pps`, 0)).toBe(attack.peak.pps);
    expect(await firstValueAfter(carbon, 'attacks.hosts.198_51_100_30.incoming.packets_total', 0)).toBe(known.expected.hosts.get('198.51.100.30')!.packets);
    expect(carbon.points('attacks.hosts.198_51_100_10.incoming.packets_total')).toEqual([]);
    await integration.run({ ...event, kind: 'attack_ended', attack: { ...attack, ended_at: new Date().toISOString() } });
    expect(await firstValueAfter(carbon, `${path}.ended`, 0)).toBe(1);
  }, 60_000);
});
