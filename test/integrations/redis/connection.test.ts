// The Redis integration's connection: a server down at start, killed and started again
// mid-run, a login refused, TLS; nothing queued in the client while the server is away (run()
// rejects, and the event retried then is written whole).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Integration } from '../../../ts/integrations/types.js';
import { eventually } from '../../support/gobgpd.js';
import { RedisServer } from '../../support/redis.js';
import { writeSelfSignedCertificate } from '../../support/smtp.js';
import { memoryLogger } from '../support.js';
import { attackEvent, createRedis, metric, redisConfig } from './support.js';

const cleanup: (() => unknown)[] = [];

afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function server(options: Parameters<typeof RedisServer.prepare>[0] = {}, started = true): Promise<RedisServer> {
  const redis = started ? await RedisServer.start(options) : await RedisServer.prepare(options);
  cleanup.push(() => redis.stop());
  return redis;
}

function track(integration: Integration): Integration {
  cleanup.push(() => integration.stop?.());
  return integration;
}

/** Runs the event until it is delivered, as the dispatcher does; resolves with the failures seen. */
async function retryUntilDelivered(integration: Integration, event: Parameters<Integration['run']>[0]): Promise<string[]> {
  const failures: string[] = [];
  await eventually(
    `the ${event.kind} to be delivered`,
    async () => {
      try {
        await integration.run(event);
        return true;
      } catch (error) {
        failures.push((error as Error).message);
        return false;
      }
    },
    20_000,
    200,
  );
  return failures;
}

describe('connection', () => {
  it('a server down at start: run() rejects saying so, then succeeds once the server is up, no event lost', async () => {
    const redis = await server({}, false);
    const { logger, records } = memoryLogger();
    const integration = track(await createRedis(redisConfig(redis, { timeout_seconds: 0.5 }), logger));
    await integration.start?.();

    const ban = attackEvent('ban');
    await expect(integration.run(ban)).rejects.toThrow(
      `Redis at 127.0.0.1:${redis.port} is not reachable: connection refused (is redis-server running and listening there? actions.redis.host and port); the event is retried`,
    );
    await expect(integration.run(attackEvent('attack_started'))).rejects.toThrow(/not reachable/);
    expect(metric(integration, 'floodwatch_redis_connected')).toBe(0);
    expect(records.filter((r) => r.level === 40 && /connection refused/.test(r.msg))).toHaveLength(1);

    await redis.start();
    await retryUntilDelivered(integration, attackEvent('attack_started'));
    await integration.run(ban);
    await integration.run(attackEvent('attack_details'));

    const reader = redis.client();
    cleanup.push(() => reader.disconnect());
    expect(await reader.exists('203.0.113.10_information', '203.0.113.10_flow_dump')).toBe(2);
    const kinds = (await reader.xrange('floodwatch_events', '-', '+')).map(([, fields]) => fields[1]);
    expect(kinds).toEqual(['attack_started', 'ban', 'attack_details']);
    expect(metric(integration, 'floodwatch_redis_connected')).toBe(1);
    expect(metric(integration, 'floodwatch_redis_reconnects_total')).toBe(0);
    expect(records.some((r) => r.level === 30 && r.msg === `Redis at 127.0.0.1:${redis.port}: connected`)).toBe(true);
  });

  it('a server killed and started again mid-run: the connection comes back by itself', async () => {
    const redis = await server();
    const { logger, records } = memoryLogger();
    const integration = track(await createRedis(redisConfig(redis, { timeout_seconds: 0.5 }), logger));
    await integration.start?.();
    await integration.run(attackEvent('attack_started'));

    await redis.kill();
    await eventually('the loss to show', () => metric(integration, 'floodwatch_redis_connected') === 0);
    await expect(integration.run(attackEvent('ban'))).rejects.toThrow(/not reachable/);
    expect(records.some((r) => r.level === 40 && /connection lost; connecting again/.test(r.msg))).toBe(true);

    // Nothing queued meanwhile: the server comes back empty (no persistence) and stays so.
    await redis.start();
    await eventually('the connection to come back without any run()', () => metric(integration, 'floodwatch_redis_connected') === 1);
    expect(metric(integration, 'floodwatch_redis_reconnects_total')).toBe(1);
    expect(records.some((r) => r.level === 30 && /connected again/.test(r.msg))).toBe(true);
    const reader = redis.client();
    cleanup.push(() => reader.disconnect());
    expect(await reader.dbsize()).toBe(0);

    await integration.run(attackEvent('ban'));
    expect(await reader.exists('203.0.113.10_information')).toBe(1);
    expect(metric(integration, 'floodwatch_redis_commands_failed_total')).toBe(0);
  });

  it('a server that stops answering: the write times out after timeout_seconds and is retried once it answers', async () => {
    const redis = await server();
    const integration = track(await createRedis(redisConfig(redis, { timeout_seconds: 0.5 })));
    await integration.run(attackEvent('attack_started'));
    redis.pause();
    try {
      await expect(integration.run(attackEvent('ban'))).rejects.toThrow(
        /writing the ban of 203\.0\.113\.10 failed: no answer within actions\.redis\.timeout_seconds \(the server is overloaded or stopped\?\); the event is retried/,
      );
      expect(metric(integration, 'floodwatch_redis_commands_failed_total')).toBe(1);
    } finally {
      redis.resume();
    }
    await integration.run(attackEvent('ban'));
    const reader = redis.client();
    cleanup.push(() => reader.disconnect());
    expect(await reader.exists('203.0.113.10_information')).toBe(1);
  });

  it('a write that fails counts in floodwatch_redis_commands_failed_total and names what failed', async () => {
    // The server refuses writes: its ACL user may not XADD.
    const redis = await server({ args: ['--user', 'default', 'off', '--user', 'floodwatch', 'on', '>s3cret', '~*', '&*', '+@all', '-xadd'] });
    const integration = track(await createRedis(redisConfig(redis, { username: 'floodwatch', password: 's3cret' })));
    await integration.start?.();
    await expect(integration.run(attackEvent('ban'))).rejects.toThrow(
      /^Redis at 127\.0\.0\.1:\d+: writing the ban of 203\.0\.113\.10 failed: .*NOPERM.*xadd.*\(give actions\.redis\.username the right to .*XADD.*\); the event is retried$/,
    );
    expect(metric(integration, 'floodwatch_redis_commands_failed_total')).toBe(1);
    // MULTI/EXEC: the event is written whole or not at all.
    const reader = redis.client({ username: 'floodwatch', password: 's3cret' });
    cleanup.push(() => reader.disconnect());
    expect(await reader.dbsize()).toBe(0);
  });
});

describe('login', () => {
  it('logs in with a password (requirepass), and says what to check when it is wrong', async () => {
    const redis = await server({ args: ['--requirepass', 'correct horse'] });
    const good = track(await createRedis(redisConfig(redis, { password: 'correct horse' })));
    await good.run(attackEvent('ban'));

    const bad = track(await createRedis(redisConfig(redis, { password: 'wrong', timeout_seconds: 0.5 })));
    await expect(bad.run(attackEvent('ban'))).rejects.toThrow(/WRONGPASS.*\(check actions\.redis\.username and actions\.redis\.password\)/);
    const none = track(await createRedis(redisConfig(redis, { timeout_seconds: 0.5 })));
    await expect(none.run(attackEvent('ban'))).rejects.toThrow(/NOAUTH.*set actions\.redis\.password/);
  });

  it('logs in as an ACL user', async () => {
    const redis = await server({ args: ['--user', 'floodwatch', 'on', '>s3cret', '~*', '&*', '+@all'] });
    const integration = track(await createRedis(redisConfig(redis, { username: 'floodwatch', password: 's3cret' })));
    await integration.run(attackEvent('ban'));
    const reader = redis.client();
    cleanup.push(() => reader.disconnect());
    expect(await reader.exists('203.0.113.10_information')).toBe(1);
  });
});

describe('TLS', () => {
  it('connects over TLS, checking the server against ca_file; without it the certificate is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'floodwatch-redis-tls-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const { certPath, keyPath } = writeSelfSignedCertificate(dir);
    const redis = await server({ tls: { certPath, keyPath } });

    const integration = track(await createRedis(redisConfig(redis, { tls: { enabled: true, ca_file: certPath } })));
    await integration.run(attackEvent('ban'));
    const reader = redis.client();
    cleanup.push(() => reader.disconnect());
    expect(await reader.exists('203.0.113.10_information')).toBe(1);

    const untrusted = track(await createRedis(redisConfig(redis, { tls: { enabled: true }, timeout_seconds: 0.5 })));
    await expect(untrusted.run(attackEvent('ban'))).rejects.toThrow(/self-signed certificate.*\(check actions\.redis\.tls/);
  });

  it('a ca_file that cannot be read is named', async () => {
    const redis = await server({}, false);
    await expect(createRedis(redisConfig(redis, { tls: { enabled: true, ca_file: '/nonexistent/ca.pem' } }))).rejects.toThrow(
      'actions.redis.tls.ca_file: /nonexistent/ca.pem: no such file (check the path)',
    );
  });
});
