// The InfluxDB push against a real influxd (Debian's 1.x): known traffic through a real engine,
// read back through /query; attack events as points; a server down, killed and restarted.
import { lookup as dnsLookup } from 'node:dns';
import { mkdtempSync, rmSync } from 'node:fs';
import type { LookupFunction } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Static } from '@sinclair/typebox';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { influxdb, type InfluxdbSchema } from '../../../ts/integrations/influxdb/index.js';
import { InfluxdbIntegration } from '../../../ts/integrations/influxdb/influxdb.js';
import type { Integration } from '../../../ts/integrations/types.js';
import { eventually } from '../../support/gobgpd.js';
import { InfluxServer } from '../../support/influxdb.js';
import { MONITORED } from '../../support/traffic.js';
import { sampleAttack } from '../support.js';
import { depsFor, sendKnownTraffic, type KnownTraffic } from './known-traffic.js';

type InfluxdbConfig = Static<typeof InfluxdbSchema>;

let dir: string;
let server: InfluxServer;
let known: KnownTraffic;
const opened: Integration[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'floodwatch-influxdb-test-'));
  [server, known] = await Promise.all([InfluxServer.start(), sendKnownTraffic(dir)]);
}, 90_000);

afterAll(async () => {
  known?.engine.stop();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

afterEach(async () => {
  for (const integration of opened.splice(0)) await integration.stop?.();
});

function configFor(database: string, overrides: Partial<InfluxdbConfig> = {}): InfluxdbConfig {
  return { ...influxdb.defaults(), enabled: true, url: server.url, database, ...overrides };
}

async function open(config: InfluxdbConfig, engine = known.engine): Promise<Integration> {
  const integration = await influxdb.create(config, depsFor(engine, known.config).deps);
  opened.push(integration);
  await integration.start?.();
  return integration;
}

/** The first point of a series pushed after `after` (ms), by its tag, once all its fields are stored. */
async function firstPointAfter(database: string, measurement: string, tag: string, value: string, after: number) {
  const where = `"${tag}" = '${value}' AND time > ${after}ms`;
  return eventually(`a complete ${measurement} point for ${tag}=${value} after ${new Date(after).toISOString()}`, () =>
    server.firstCompleteRow(`SELECT * FROM "${measurement}" WHERE ${where} ORDER BY time ASC LIMIT 1`, database),
  );
}

describe('InfluxDB push of known traffic', () => {
  it('pushes totals, per network, per hostgroup and per host figures that add up to what was sent, within one push', async () => {
    await server.createDatabase('traffic');
    await open(configFor('traffic'));
    const after = known.settledAt;
    const { expected } = known;

    for (const direction of ['incoming', 'outgoing'] as const) {
      const total = await firstPointAfter('traffic', 'total_traffic', 'direction', direction, after);
      expect(total.packets_total).toBe(expected.totals[direction].packets);
      expect(total.bytes_total).toBe(expected.totals[direction].bytes);
    }
    const [v4, v6] = MONITORED;
    const network4 = await firstPointAfter('traffic', 'networks_traffic', 'network', v4, after);
    expect([network4.packets_total_incoming, network4.bytes_total_incoming]).toEqual([
      expected.networks[v4].incoming.packets,
      expected.networks[v4].incoming.bytes,
    ]);
    expect([network4.packets_total_outgoing, network4.bytes_total_outgoing]).toEqual([
      expected.networks[v4].outgoing.packets,
      expected.networks[v4].outgoing.bytes,
    ]);
    expect(network4.hosts).toBe(3);
    const network6 = await firstPointAfter('traffic', 'networks_ipv6_traffic', 'network', v6, after);
    expect(network6.packets_total_incoming).toBe(expected.networks[v6].incoming.packets);
    for (const name of ['web', 'global']) {
      const hostgroup = await firstPointAfter('traffic', 'hostgroups_traffic', 'hostgroup', name, after);
      expect([hostgroup.packets_total_incoming, hostgroup.bytes_total_incoming]).toEqual([
        expected.hostgroups[name].incoming.packets,
        expected.hostgroups[name].incoming.bytes,
      ]);
      expect(hostgroup.packets_total_outgoing).toBe(expected.hostgroups[name].outgoing.packets);
    }
    for (const [ip, totals] of expected.hosts) {
      const host = await firstPointAfter('traffic', ip.includes(':') ? 'hosts_ipv6_traffic' : 'hosts_traffic', 'host', ip, after);
      expect([host.packets_total_incoming, host.bytes_total_incoming]).toEqual([totals.packets, totals.bytes]);
    }
    // FastNetMon's rate fields are there too, for its dashboards.
    const syn = await firstPointAfter('traffic', 'hosts_traffic', 'host', '198.51.100.20', after);
    expect(Object.keys(syn)).toEqual(
      expect.arrayContaining(['packets_incoming', 'bits_incoming', 'flows_incoming', 'tcp_syn_packets_incoming', 'udp_bits_outgoing']),
    );
    // The engine's own health.
    const [health] = await server.rows(`SELECT last(hosts) AS hosts FROM floodwatch_engine`, 'traffic');
    expect(health.hosts).toBe(known.engine.snapshot(0).table.hosts);
    const records = known.engine.sources().exporters.reduce((n, e) => n + e.records, 0);
    const sources = await server.rows(`SELECT last(records) AS records FROM floodwatch_source GROUP BY "source"`, 'traffic');
    expect(sources.reduce((n, row) => n + Number(row.records), 0)).toBe(records);
  }, 60_000);

  it('pushes every host under attack even when it is not among the top hosts, and each attack event as a point', async () => {
    await server.createDatabase('attacks');
    const integration = await open(configFor('attacks', { top_hosts: 0, gzip: false }));
    const attack = sampleAttack({ ip: '198.51.100.30', hostgroup: 'web', type: 'icmp_flood' });
    const event = { ip: attack.ip, direction: attack.direction, hostgroup: attack.hostgroup, attack, ban: null, at: attack.started_at };
    const startedAt = Date.now();
    expect(integration.accepts({ ...event, kind: 'attack_started' })).toBe(true);
    expect(integration.accepts({ ...event, kind: 'ban', attack: null })).toBe(false);
    await integration.run({ ...event, kind: 'attack_started' });

    const host = await firstPointAfter('attacks', 'hosts_traffic', 'host', '198.51.100.30', startedAt - 1000);
    expect(host.packets_total_incoming).toBe(known.expected.hosts.get('198.51.100.30')!.packets);
    const started = await firstPointAfter('attacks', 'attacks', 'event', 'started', 0);
    expect(started).toMatchObject({
      host: '198.51.100.30',
      direction: 'incoming',
      hostgroup: 'web',
      type: 'icmp_flood',
      attack_id: attack.id,
      peak_packets: attack.peak.pps,
    });
    expect(await server.rows(`SELECT * FROM hosts_traffic WHERE host = '198.51.100.10'`, 'attacks')).toEqual([]);

    await integration.run({ ...event, kind: 'attack_ended', attack: { ...attack, ended_at: new Date().toISOString() } });
    const ended = await firstPointAfter('attacks', 'attacks', 'event', 'ended', 0);
    expect(ended.peak_bits).toBeCloseTo(attack.peak.mbps * 1e6);
    // Once the attack ended, the host is no longer pushed (it is not among the top 0).
    const endedAt = Date.now() + 1000;
    await firstPointAfter('attacks', 'total_traffic', 'direction', 'incoming', endedAt);
    expect(await server.rows(`SELECT * FROM hosts_traffic WHERE host = '198.51.100.30' AND time > ${endedAt}ms`, 'attacks')).toEqual([]);
  }, 60_000);

  it('resolves the server name once per connection, not on every push', async () => {
    await server.createDatabase('lookups');
    let lookups = 0;
    const counting = ((hostname: string, options: object, callback: Parameters<LookupFunction>[2]) => {
      lookups++;
      dnsLookup(hostname, { ...options, family: 4 }, callback as never);
    }) as unknown as LookupFunction;
    const config = configFor('lookups', { url: `http://localhost:${server.httpPort}` });
    const integration = new InfluxdbIntegration(config, depsFor(known.engine, known.config).deps, { lookup: counting });
    opened.push(integration);
    integration.start();
    await eventually('four pushes', () => integration.pusher.batchesSent >= 4, 15_000);
    expect(lookups).toBe(1);
  }, 30_000);
});
