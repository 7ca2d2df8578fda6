// The Redis integration against a real redis-server: FastNetMon's keys and JSON, the hash per
// attack, the stream and the channel, for every event, IPv4 and IPv6, with and without prefix.
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RedisConfig } from '../../../ts/integrations/redis/config.js';
import type { Integration, IntegrationEvent } from '../../../ts/integrations/types.js';
import { eventually } from '../../support/gobgpd.js';
import { RedisServer } from '../../support/redis.js';
import { sampleAttack, sampleBan } from '../support.js';
import { attackEvent, attackOn, createRedis, metric, redisConfig } from './support.js';

let server: RedisServer;
let reader: Redis;
const opened: Integration[] = [];

beforeAll(async () => {
  server = await RedisServer.start();
  reader = server.client();
});

afterAll(async () => {
  reader?.disconnect();
  await server?.stop();
});

beforeEach(async () => {
  await reader.flushall();
});

afterEach(async () => {
  for (const integration of opened.splice(0)) await integration.stop?.();
});

async function open(overrides: Partial<RedisConfig> = {}): Promise<Integration> {
  const integration = await createRedis(redisConfig(server, overrides));
  opened.push(integration);
  await integration.start?.();
  return integration;
}

async function deliver(integration: Integration, ...events: IntegrationEvent[]): Promise<void> {
  for (const event of events) {
    expect(integration.accepts(event)).toBe(true);
    await integration.run(event);
  }
}

async function json(key: string): Promise<Record<string, any>> {
  const value = await reader.get(key);
  expect(value, `${key} is missing`).not.toBeNull();
  return JSON.parse(value!);
}

describe('FastNetMon keys', () => {
  it("a ban of an IPv4 host writes <ip>_information in FastNetMon's layout and <ip>_flow_dump, kept without expiry", async () => {
    const redis = await open();
    await deliver(redis, attackEvent('ban'));

    const info = await json('203.0.113.10_information');
    expect(Object.keys(info)).toEqual(['alert_scope', 'ip', 'action', 'attack_details', 'packet_dump_detailed']);
    expect(info).toMatchObject({ alert_scope: 'host', ip: '203.0.113.10', action: 'ban', packet_dump_detailed: [] });
    const details = info.attack_details;
    expect(details).toMatchObject({
      attack_uuid: '20240501T120000Z-0001',
      host_group: 'customers-web',
      protocol_version: 'IPv4',
      attack_direction: 'incoming',
      attack_type: 'syn_flood',
      // peak 41234.4 pps, 23.516 Mbit/s, 1200 flows/s
      total_incoming_pps: 41234,
      total_incoming_traffic: 2939500,
      total_incoming_traffic_bits: 23516000,
      total_incoming_flows: 1200,
      total_outgoing_pps: 0,
      incoming_tcp_pps: 41200,
      incoming_syn_tcp_pps: 41100,
      incoming_syn_tcp_traffic_bits: 23400000,
      incoming_udp_pps: 12,
      incoming_icmp_pps: 0,
      incoming_ip_fragmented_pps: 0,
      incoming_dropped_pps: 0,
      outgoing_tcp_pps: 0,
    });
    for (const direction of ['incoming', 'outgoing']) {
      for (const proto of ['tcp', 'syn_tcp', 'udp', 'icmp', 'ip_fragmented', 'dropped']) {
        for (const unit of ['traffic', 'traffic_bits', 'pps']) expect(details).toHaveProperty(`${direction}_${proto}_${unit}`);
      }
      for (const unit of ['traffic', 'traffic_bits', 'pps', 'flows']) expect(details).toHaveProperty(`total_${direction}_${unit}`);
    }
    expect(
      Object.values(details)
        .filter((v) => typeof v === 'number')
        .every((v) => Number.isInteger(v)),
    ).toBe(true);

    const dump = await reader.get('203.0.113.10_flow_dump');
    expect(dump).toContain('attack 20240501T120000Z-0001 on 203.0.113.10 (incoming)');
    expect(dump).toMatch(/Top sources\n +address +packets +bytes\n +198\.51\.100\.7 +1200 +72000/);
    expect(dump).toMatch(/Top destination ports\n.*\n +443 +1990 +119400/);
    expect(await reader.ttl('203.0.113.10_information')).toBe(-1);
    expect(await reader.ttl('203.0.113.10_flow_dump')).toBe(-1);
  });

  it('an IPv6 host with a prefix: <prefix>_<ip>_information and _flow_dump, expiring after key_ttl_seconds', async () => {
    const redis = await open({ prefix: 'mydc1', key_ttl_seconds: 600 });
    await deliver(redis, attackOn('2001:db8:1::10', 'ban'));

    const info = await json('mydc1_2001:db8:1::10_information');
    expect(info.ip).toBe('2001:db8:1::10');
    expect(info.attack_details.protocol_version).toBe('IPv6');
    expect(await reader.get('mydc1_2001:db8:1::10_flow_dump')).toContain('Top sources');
    for (const key of ['mydc1_2001:db8:1::10_information', 'mydc1_2001:db8:1::10_flow_dump', 'mydc1_2001:db8:1::10_attack_20240501T120000Z-0001']) {
      const ttl = await reader.ttl(key);
      expect(ttl, key).toBeGreaterThan(0);
      expect(ttl, key).toBeLessThanOrEqual(600);
    }
    expect(await reader.exists('2001:db8:1::10_information')).toBe(0);
  });

  it('an IPv4 host with a prefix, and an IPv6 host without one', async () => {
    const redis = await open({ prefix: 'fw' });
    await deliver(redis, attackEvent('ban'));
    expect(await reader.exists('fw_203.0.113.10_information', 'fw_203.0.113.10_flow_dump')).toBe(2);
    const plain = await open();
    await deliver(plain, attackOn('2001:db8:1::10', 'ban'));
    expect(await reader.exists('2001:db8:1::10_information', '2001:db8:1::10_flow_dump')).toBe(2);
  });

  it('no flow dump while the top lists are empty; the classified record then writes it and refreshes the report', async () => {
    const redis = await open();
    const bare = sampleAttack({ top_sources: [], top_source_ports: [], top_destination_ports: [], type: 'unknown' });
    await deliver(redis, attackEvent('ban', { attack: bare }));
    expect(await reader.exists('203.0.113.10_information')).toBe(1);
    expect(await reader.exists('203.0.113.10_flow_dump')).toBe(0);
    expect((await json('203.0.113.10_information')).attack_details.attack_type).toBe('unknown');

    await deliver(redis, attackEvent('attack_details'));
    expect((await json('203.0.113.10_information')).attack_details.attack_type).toBe('syn_flood');
    expect(await reader.get('203.0.113.10_flow_dump')).toContain('198.51.100.7');
  });

  it('a manual ban writes the report with no attack behind it: figures 0, no hash', async () => {
    const redis = await open();
    const ban = sampleBan({ ip: '192.0.2.55', attack_id: null, manual: true, comment: 'abuse ticket 4711' });
    await deliver(redis, { kind: 'ban', ip: ban.ip, direction: ban.direction, hostgroup: ban.hostgroup, attack: null, ban, at: ban.banned_at });
    const info = await json('192.0.2.55_information');
    expect(info.attack_details).toMatchObject({ attack_uuid: '', total_incoming_pps: 0, incoming_tcp_pps: 0 });
    expect(await reader.exists('192.0.2.55_flow_dump')).toBe(0);
    expect(await reader.keys('*_attack_*')).toEqual([]);
    const [[, fields]] = await reader.xrange('floodwatch_events', '-', '+');
    expect(fields).toEqual(['kind', 'ban', 'ip', '192.0.2.55', 'attack_id', '', 'event', expect.any(String)]);
  });
});

describe('every event', () => {
  const lifecycle = (): IntegrationEvent[] => {
    const ended = sampleAttack({ ended_at: '2024-05-01T12:05:00.000Z' });
    return [
      attackEvent('attack_started'),
      attackEvent('ban'),
      attackEvent('attack_details'),
      attackEvent('attack_ended', { attack: ended }),
      attackEvent('unban', { attack: ended }),
    ];
  };

  it("updates the attack's hash at each of them", async () => {
    const redis = await open();
    const key = '203.0.113.10_attack_20240501T120000Z-0001';
    const [started, ban, details, ended, unban] = lifecycle();

    await deliver(redis, started);
    const afterStart = await reader.hgetall(key);
    expect(afterStart).toMatchObject({
      attack_id: '20240501T120000Z-0001',
      ip: '203.0.113.10',
      direction: 'incoming',
      hostgroup: 'customers-web',
      type: 'syn_flood',
      state: 'active',
      started_at: '2024-05-01T12:00:00.000Z',
      ended_at: '',
      threshold_metric: 'tcp_syn_pps',
      threshold_value: '10000',
      threshold_observed: '38211.6',
      peak_pps: '41234.4',
      peak_mbps: '23.516',
      peak_flows: '1200',
      last_event: 'attack_started',
    });
    expect(JSON.parse(afterStart.record)).toEqual(sampleAttack());
    expect(afterStart).not.toHaveProperty('banned_at');
    expect(await reader.exists('203.0.113.10_information')).toBe(0);

    await deliver(redis, ban);
    expect(await reader.hgetall(key)).toMatchObject({ last_event: 'ban', banned_at: '2024-05-01T12:00:01.000Z', ban_expires_at: '2024-05-01T12:31:41.000Z' });
    await deliver(redis, details);
    expect((await reader.hgetall(key)).last_event).toBe('attack_details');
    await deliver(redis, ended);
    expect(await reader.hgetall(key)).toMatchObject({ last_event: 'attack_ended', state: 'ended', ended_at: '2024-05-01T12:05:00.000Z' });
    await deliver(redis, unban);
    const last = await reader.hgetall(key);
    expect(last).toMatchObject({ last_event: 'unban', state: 'ended', banned_at: '2024-05-01T12:00:01.000Z' });
    expect(Date.parse(last.unbanned_at)).toBeGreaterThanOrEqual(Date.parse(last.updated_at) - 1);
    // FastNetMon's key stays after the unban, as FastNetMon leaves it.
    expect(await reader.exists('203.0.113.10_information')).toBe(1);
    expect(await reader.ttl(key)).toBe(-1);
    expect(metric(redis, 'floodwatch_redis_events_written_total', { event: 'attack_started' })).toBe(1);
    expect(metric(redis, 'floodwatch_redis_events_written_total', { event: 'unban' })).toBe(1);
    expect(metric(redis, 'floodwatch_redis_connected')).toBe(1);
    expect(metric(redis, 'floodwatch_redis_commands_failed_total')).toBe(0);
  });

  it('adds each to the stream and publishes each on the channel, as JSON, in order', async () => {
    const subscriber = server.client();
    const messages: [string, string][] = [];
    subscriber.on('message', (channel: string, message: string) => messages.push([channel, message]));
    await subscriber.subscribe('attacks_live');
    try {
      const redis = await open({ channel: 'attacks_live', stream: 'attacks' });
      const events = lifecycle();
      await deliver(redis, ...events);

      const entries = await reader.xrange('attacks', '-', '+');
      expect(entries.map(([, fields]) => fields[1])).toEqual(['attack_started', 'ban', 'attack_details', 'attack_ended', 'unban']);
      for (const [index, [, fields]] of entries.entries()) {
        const record = Object.fromEntries(
          fields.reduce<[string, string][]>((pairs, value, i) => (i % 2 === 0 ? [...pairs, [value, fields[i + 1]]] : pairs), []),
        );
        expect(record).toMatchObject({ ip: '203.0.113.10', attack_id: '20240501T120000Z-0001' });
        const event = JSON.parse(record.event);
        expect(Object.keys(event)).toEqual(['kind', 'written_at', 'ip', 'direction', 'hostgroup', 'attack', 'ban']);
        expect(event).toMatchObject({ kind: events[index].kind, ip: '203.0.113.10', direction: 'incoming', hostgroup: 'customers-web' });
        expect(event.attack).toEqual(events[index].attack);
        expect(event.ban).toEqual(events[index].ban);
      }

      await eventually('the five messages on the channel', () => messages.length === 5);
      expect(messages.map(([channel]) => channel)).toEqual(Array(5).fill('attacks_live'));
      expect(messages.map(([, message]) => JSON.parse(message).kind)).toEqual(['attack_started', 'ban', 'attack_details', 'attack_ended', 'unban']);
      expect(JSON.parse(messages[1][1]).ban).toEqual(sampleBan());
    } finally {
      subscriber.disconnect();
    }
  });

  it("records a monitor-only hostgroup's attack (ban: null): hash and stream, no FastNetMon key", async () => {
    const redis = await open();
    const monitored = (kind: 'attack_started' | 'attack_details' | 'attack_ended') =>
      attackEvent(kind, { ban: null, hostgroup: 'monitor-only', attack: sampleAttack({ hostgroup: 'monitor-only' }) });
    await deliver(redis, monitored('attack_started'), monitored('attack_details'), monitored('attack_ended'));
    expect(await reader.keys('*_information')).toEqual([]);
    expect(await reader.keys('*_flow_dump')).toEqual([]);
    const hash = await reader.hgetall('203.0.113.10_attack_20240501T120000Z-0001');
    expect(hash).toMatchObject({ hostgroup: 'monitor-only', last_event: 'attack_ended' });
    expect(hash).not.toHaveProperty('banned_at');
    expect(await reader.xlen('floodwatch_events')).toBe(3);
  });

  it("the details of an attack on a host banned for an earlier one do not overwrite that ban's report", async () => {
    const redis = await open();
    await deliver(redis, attackEvent('ban'));
    const later = sampleAttack({ id: '20240501T130000Z-0001', type: 'udp_flood' });
    await deliver(redis, attackEvent('attack_details', { attack: later }));
    expect((await json('203.0.113.10_information')).attack_details.attack_uuid).toBe('20240501T120000Z-0001');
    expect(await reader.hget('203.0.113.10_attack_20240501T130000Z-0001', 'type')).toBe('udp_flood');
  });

  it('keeps the stream to about stream_max_length entries', async () => {
    const redis = await open({ stream_max_length: 10, channel: '' });
    for (let i = 0; i < 300; i++) await redis.run(attackEvent('attack_details', { ban: null }));
    const length = await reader.xlen('floodwatch_events');
    // MAXLEN ~ trims whole stream nodes (stream-node-max-entries, 100 by default).
    expect(length).toBeGreaterThanOrEqual(10);
    expect(length).toBeLessThanOrEqual(10 + 100);
  });

  it("writes nothing but FastNetMon's keys with attack_hash false and no channel or stream", async () => {
    const redis = await open({ attack_hash: false, channel: '', stream: '' });
    await deliver(redis, attackEvent('attack_started'), attackEvent('ban'), attackEvent('unban'));
    expect((await reader.keys('*')).sort()).toEqual(['203.0.113.10_flow_dump', '203.0.113.10_information']);
  });

  it('writes into the configured database', async () => {
    const redis = await open({ database: 3 });
    await deliver(redis, attackEvent('ban'));
    expect(await reader.exists('203.0.113.10_information')).toBe(0);
    const db3 = server.client({ db: 3 });
    try {
      expect(await db3.exists('203.0.113.10_information')).toBe(1);
    } finally {
      db3.disconnect();
    }
  });
});
