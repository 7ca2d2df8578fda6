// import-fastnetmon: redis_enabled, redis_host, redis_port and redis_prefix become actions.redis.
import { formatOf } from '../../config/formats.js';
import type { FastnetmonImportContext } from '../types.js';
import { redisDefaults } from './config.js';

const REDIS_KEYS = ['redis_enabled', 'redis_host', 'redis_port', 'redis_prefix'] as const;

export function importRedisFromFastnetmon({ keys, comments, out }: FastnetmonImportContext): void {
  if (!(keys.flag('redis_enabled') ?? false)) {
    keys.skip('redis_enabled', "off here; floodwatch's Redis integration is off by default too");
    for (const key of REDIS_KEYS.slice(1)) keys.skip(key, 'redis_enabled = off');
    return;
  }
  const defaults = redisDefaults();
  const redis: Record<string, unknown> = { enabled: true };
  keys.carry('redis_enabled');
  comments.after.push([
    ['actions', 'redis', 'enabled'],
    "redis_enabled = on: FastNetMon's <prefix>_<ip>_information and _flow_dump keys, for IPv6 hosts too; " +
      'besides them, floodwatch keeps a hash per attack and sends every event on a channel and a stream ' +
      '(attack_hash, channel, stream: see config/floodwatch.example.yaml)',
  ]);

  const host = keys.value('redis_host');
  if (host !== undefined) {
    const parsed = formatOf('host-name')!.parse(host);
    if (parsed.ok) {
      redis.host = host;
      keys.carry('redis_host');
    } else {
      keys.skip('redis_host', `${parsed.reason}: floodwatch connects to ${defaults.host}, FastNetMon's default`);
      keys.notes.push(`redis_host = ${host} is not a host name: actions.redis.host is ${defaults.host}, FastNetMon's default`);
    }
  }

  const port = keys.integer('redis_port');
  if (port !== undefined) {
    if (port >= 1 && port <= 65535) {
      redis.port = port;
      keys.carry('redis_port');
    } else {
      keys.skip('redis_port', `${port} is not a TCP port (1 to 65535): floodwatch connects to ${defaults.port}, FastNetMon's default`);
    }
  }

  const prefix = keys.value('redis_prefix');
  if (prefix !== undefined) {
    if (/\s/.test(prefix)) {
      keys.skip('redis_prefix', `'${prefix}' has white space, which a key name here cannot have: no prefix`);
    } else {
      redis.prefix = prefix;
      keys.carry('redis_prefix');
      comments.after.push([['actions', 'redis', 'prefix'], 'redis_prefix']);
    }
  }

  ((out.actions ??= {}) as Record<string, unknown>).redis = redis;
}
