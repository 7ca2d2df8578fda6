// floodwatch run with the Redis integration: a SYN flood on a live NetFlow stream is banned and
// written to a real redis-server (FastNetMon's keys, the attack's hash, the stream), read back
// with ioredis; a flood on a monitor-only hostgroup (ban: false) is recorded without a ban key.
// The server is down when the floods come: the notify script is not held up, the log and
// /metrics say so, and the events retried reach Redis once it is started.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stream, synFlood, writeCapture } from '../../daemon/floods.js';
import { startLiveNetFlow } from '../../daemon/live.js';
import { callsFor, daemonConfig, DaemonProcess, freeUdpPort, Teardown, waitFor, writeConfig, writeNotifyScript } from '../../support/daemon.js';
import { eventually } from '../../support/gobgpd.js';
import { RedisServer } from '../../support/redis.js';

const BANNED = '198.51.100.10';
const MONITORED = '198.51.100.200';
const teardown = new Teardown();
let reader: Redis;
let daemon: DaemonProcess;
let redis: RedisServer;
let notifyLog: string;

async function streamEvents(): Promise<{ kind: string; ip: string; ban: unknown; hostgroup: string }[]> {
  const entries = await reader.xrange('floodwatch_events', '-', '+');
  return entries.map(([, fields]) => JSON.parse(fields[fields.indexOf('event') + 1]));
}

async function metrics(): Promise<string> {
  const base = (await daemon.apiUrl()).replace(/\/api\/v1$/, '');
  return (await fetch(`${base}/metrics`)).text();
}

// It runs once ts/integrations/registry.ts lists redis (the lead adds that line with the
// example configuration's actions.redis).
describe('floodwatch run with the Redis integration', () => {
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'floodwatch-daemon-redis-'));
    teardown.defer(() => rmSync(dir, { recursive: true, force: true }));
    redis = await RedisServer.prepare();
    teardown.defer(() => redis.stop());

    const port = await freeUdpPort();
    const script = writeNotifyScript(dir);
    notifyLog = script.log;
    const config = daemonConfig({ stateDir: join(dir, 'state'), port, banSeconds: 60, script: script.path });
    config.hostgroups = [{ name: 'monitor-only', prefixes: ['198.51.100.128/25'], ban: false }];
    (config.actions as Record<string, unknown>).redis = { enabled: true, host: '127.0.0.1', port: redis.port, prefix: 'fw', timeout_seconds: 1 };
    daemon = await DaemonProcess.start(writeConfig(join(dir, 'floodwatch.yaml'), config));
    teardown.defer(() => daemon.kill());

    const live = await startLiveNetFlow(dir, port);
    teardown.defer(() => live.close());
    const capture = writeCapture(join(dir, 'syn-floods.pcap'), stream(3000, 3, synFlood(BANNED)), stream(3000, 3, synFlood(MONITORED)));
    live.replay(capture).catch(() => {});
  });

  afterAll(() => teardown.run());

  it('while Redis is down: the notify script is not held up, the log and /metrics say so', async () => {
    await waitFor('the notify script to be called for the ban', () => callsFor(notifyLog, BANNED, 'ban').length > 0, 30_000);
    await daemon.waitForLog('the refused connection', (line) => line.msg.startsWith(`Redis at 127.0.0.1:${redis.port}: connection refused`));
    expect(await metrics()).toMatch(/^floodwatch_redis_connected 0$/m);
    const waiting = await eventually('the dispatcher to retry Redis events', async () => {
      const text = await metrics();
      return /^floodwatch_action_retries_total\{action="redis"\} [1-9]/m.test(text) && text;
    });
    expect(waiting).toMatch(/^floodwatch_action_pending\{action="redis"\} [1-9]/m);
    expect(waiting).toMatch(/^floodwatch_action_successes_total\{action="script"\} [1-9]/m);

    await redis.start();
    reader = redis.client();
    teardown.defer(() => reader.disconnect());
  });

  it("writes FastNetMon's keys for the banned host, its classified attack included", async () => {
    const info = await eventually(
      'the classified report in fw_198.51.100.10_information',
      async () => {
        const value = await reader.get(`fw_${BANNED}_information`);
        const parsed = value && JSON.parse(value);
        return parsed?.attack_details.attack_type === 'syn_flood' && parsed;
      },
      30_000,
    );
    expect(info).toMatchObject({ alert_scope: 'host', ip: BANNED, action: 'ban', packet_dump_detailed: [] });
    expect(info.attack_details).toMatchObject({ host_group: 'global', protocol_version: 'IPv4', attack_direction: 'incoming' });
    expect(info.attack_details.total_incoming_pps).toBeGreaterThan(1000);
    expect(info.attack_details.incoming_syn_tcp_pps).toBeGreaterThan(1000);
    expect(info.attack_details.attack_uuid).toMatch(/^\d{8}T\d+-\d{3}$/);

    const dump = await eventually('fw_198.51.100.10_flow_dump', () => reader.get(`fw_${BANNED}_flow_dump`));
    expect(dump).toMatch(/Top sources[^\n]*\n +address +packets +bytes\n +203\.0\.113\.\d+ /);
    expect(dump).toMatch(/Top destination ports[^\n]*\n.*\n +tcp\/443 /);

    const [hashKey] = await reader.keys(`fw_${BANNED}_attack_*`);
    expect(hashKey).toBe(`fw_${BANNED}_attack_${info.attack_details.attack_uuid}`);
    expect(await reader.hgetall(hashKey)).toMatchObject({ ip: BANNED, hostgroup: 'global', type: 'syn_flood', state: 'active', banned_at: expect.any(String) });
  });

  it("records the monitor-only hostgroup's attack in its hash and the stream, with no ban and no FastNetMon key", async () => {
    const hashKey = await eventually("the monitor-only attack's hash", async () => (await reader.keys(`fw_${MONITORED}_attack_*`))[0]);
    const hash = await eventually('its classified record', async () => {
      const fields = await reader.hgetall(hashKey);
      return fields.type === 'syn_flood' && fields;
    });
    expect(hash).toMatchObject({ ip: MONITORED, hostgroup: 'monitor-only' });
    expect(hash).not.toHaveProperty('banned_at');
    expect(await reader.exists(`fw_${MONITORED}_information`, `fw_${MONITORED}_flow_dump`)).toBe(0);

    const events = await streamEvents();
    const monitored = events.filter((e) => e.ip === MONITORED);
    expect(monitored.map((e) => e.kind).slice(0, 2)).toEqual(['attack_started', 'attack_details']);
    expect(monitored.every((e) => e.ban === null && e.hostgroup === 'monitor-only')).toBe(true);
    const banned = events.filter((e) => e.ip === BANNED).map((e) => e.kind);
    expect(banned).toContain('attack_started');
    expect(banned).toContain('ban');
  });

  it('shows the connection back and the events written in /metrics', async () => {
    const text = await metrics();
    expect(text).toMatch(/^floodwatch_redis_connected 1$/m);
    expect(text).toMatch(/^floodwatch_redis_events_written_total\{event="ban"\} 1$/m);
    expect(text).toMatch(/^floodwatch_redis_events_written_total\{event="attack_started"\} 2$/m);
    expect(daemon.logged(/^Redis at 127\.0\.0\.1:\d+: connected$/)).toHaveLength(1);
    // Every event retried was delivered: none given up on, none left waiting.
    expect(text).toMatch(/^floodwatch_action_failures_total\{action="redis"\} 0$/m);
    expect(await eventually('nothing left pending', async () => /^floodwatch_action_pending\{action="redis"\} 0$/m.test(await metrics()))).toBe(true);
  });
});
