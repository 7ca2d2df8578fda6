// actions.redis: its schema and default, check-config's description, its problems and warnings,
// and what import-fastnetmon makes of redis_enabled, redis_host, redis_port and redis_prefix.
import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { YamlComments } from '../../../ts/cli/import-fastnetmon/commented-yaml.js';
import { FastnetmonKeys } from '../../../ts/cli/import-fastnetmon/keys.js';
import { redis as redisIntegration } from '../../../ts/integrations/redis/index.js';
import type { WholeConfig } from '../../../ts/integrations/types.js';

const defaults = redisIntegration.defaults();

describe('actions.redis', () => {
  it('has a default that its schema takes, off, FastNetMon-compatible (no prefix, no expiry)', () => {
    expect(Value.Check(redisIntegration.schema, defaults)).toBe(true);
    expect(defaults).toMatchObject({ enabled: false, host: '127.0.0.1', port: 6379, database: 0, prefix: '', key_ttl_seconds: 0 });
  });

  it('refuses what Redis could not take', () => {
    for (const bad of [
      { port: 0 },
      { host: 'redis://x' },
      { prefix: 'my dc' },
      { database: -1 },
      { stream_max_length: 0 },
      { timeout_seconds: 0 },
      { extra: 1 },
    ]) {
      expect(Value.Check(redisIntegration.schema, { ...defaults, ...bad }), JSON.stringify(bad)).toBe(false);
    }
  });

  it('is described in one line by check-config', () => {
    expect(redisIntegration.describe({ ...defaults, enabled: true })).toBe(
      'redis at 127.0.0.1:6379 database 0 (prefix none; keys kept; a hash per attack; channel floodwatch_events; stream floodwatch_events (~10000 entries))',
    );
    expect(
      redisIntegration.describe({
        ...defaults,
        host: 'redis.example.net',
        tls: { enabled: true },
        username: 'fw',
        password: 'x',
        prefix: 'mydc1',
        key_ttl_seconds: 86400,
        attack_hash: false,
        channel: '',
        stream: '',
      }),
    ).toBe('redis at redis.example.net:6379 database 0 over TLS, user fw (prefix mydc1; keys expire after 86400 s)');
    expect(redisIntegration.describe({ ...defaults, password: 'x', channel: '' })).toMatch(/^redis at 127\.0\.0\.1:6379 database 0, with a password \(/);
  });

  it('reports a username without a password and a ca_file without TLS', () => {
    const whole = {} as WholeConfig;
    expect(redisIntegration.check!({ ...defaults, username: 'fw' }, whole)).toEqual([
      { where: 'actions.redis.username', reason: expect.stringContaining('set without actions.redis.password') },
    ]);
    expect(redisIntegration.check!({ ...defaults, tls: { enabled: false, ca_file: '/etc/ssl/ca.pem' } }, whole)).toEqual([
      { where: 'actions.redis.tls.ca_file', reason: 'set while actions.redis.tls.enabled is false: enable TLS, or remove ca_file' },
    ]);
    expect(redisIntegration.check!(defaults, whole)).toEqual([]);
  });

  it('warns of a password sent in clear past loopback, and of a configuration that records only bans', () => {
    expect(redisIntegration.warnings!({ ...defaults, host: '192.0.2.5', password: 'x' })).toEqual([
      'actions.redis: the password is sent to 192.0.2.5 in clear (tls.enabled is false): enable TLS on the server and in actions.redis.tls',
    ]);
    expect(redisIntegration.warnings!({ ...defaults, password: 'x' })).toEqual([]);
    expect(redisIntegration.warnings!({ ...defaults, attack_hash: false, channel: '', stream: '' })).toEqual([
      expect.stringContaining('only bans are written'),
    ]);
  });

  it('names its password as a secret, for the file-mode warning', () => {
    expect(redisIntegration.secretKeys!({ ...defaults, password: 'x' })).toEqual(['password']);
    expect(redisIntegration.secretKeys!(defaults)).toEqual([]);
  });

  it('declares its metrics under floodwatch_redis_', () => {
    expect(redisIntegration.metrics!.map((m) => m.name)).toEqual([
      'floodwatch_redis_connected',
      'floodwatch_redis_reconnects_total',
      'floodwatch_redis_commands_failed_total',
      'floodwatch_redis_events_written_total',
    ]);
  });
});

describe('import-fastnetmon', () => {
  function carry(values: Record<string, string>) {
    const keys = new FastnetmonKeys(new Map(Object.entries(values)));
    const comments = new YamlComments();
    const out: Record<string, unknown> = {};
    redisIntegration.importFastnetmon!({ keys, comments, out, networks: undefined, ipv4OnlyActions: [] });
    return { keys, comments, out };
  }

  it('carries redis_host, redis_port and redis_prefix when redis_enabled = on', () => {
    const { keys, comments, out } = carry({ redis_enabled: 'on', redis_host: '10.0.0.5', redis_port: '6380', redis_prefix: 'mydc1' });
    expect(out).toEqual({ actions: { redis: { enabled: true, host: '10.0.0.5', port: 6380, prefix: 'mydc1' } } });
    expect([...keys.carried].sort()).toEqual(['redis_enabled', 'redis_host', 'redis_port', 'redis_prefix']);
    expect(keys.remaining()).toEqual([]);
    expect(comments.after.map(([path]) => path.join('.'))).toEqual(['actions.redis.enabled', 'actions.redis.prefix']);
    expect(Value.Check(redisIntegration.schema, { ...defaults, ...(out.actions as any).redis })).toBe(true);
  });

  it('leaves out what FastNetMon has as its default', () => {
    expect(carry({ redis_enabled: 'on' }).out).toEqual({ actions: { redis: { enabled: true } } });
  });

  it('writes nothing when redis_enabled is off or missing, marking the keys not carried', () => {
    const { keys, out } = carry({ redis_enabled: 'off', redis_host: '127.0.0.1', redis_port: '6379', redis_prefix: 'mydc1' });
    expect(out).toEqual({});
    expect(keys.carried.size).toBe(0);
    expect(keys.notCarried.get('redis_enabled')).toBe("off here; floodwatch's Redis integration is off by default too");
    expect(keys.notCarried.get('redis_prefix')).toBe('redis_enabled = off');
    expect(carry({ redis_host: '127.0.0.1' }).out).toEqual({});
  });

  it("keeps FastNetMon's defaults for values it cannot use, saying why", () => {
    const { keys, out } = carry({ redis_enabled: 'on', redis_host: 'not a host', redis_port: '99999', redis_prefix: 'my dc' });
    expect(out).toEqual({ actions: { redis: { enabled: true } } });
    expect(keys.notCarried.get('redis_host')).toMatch(/not a host name.*floodwatch connects to 127\.0\.0\.1, FastNetMon's default/);
    expect(keys.notCarried.get('redis_port')).toBe("99999 is not a TCP port (1 to 65535): floodwatch connects to 6379, FastNetMon's default");
    expect(keys.notCarried.get('redis_prefix')).toMatch(/white space/);
  });
});
