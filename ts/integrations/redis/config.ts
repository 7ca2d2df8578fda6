// actions.redis: where the Redis server is, how to log in, and what is written there.
import { Type, type Static } from '@sinclair/typebox';
import type { ConfigProblem } from '../../config/errors.js';
import '../../config/formats.js';

const strict = { additionalProperties: false } as const;

export const RedisSchema = Type.Object(
  {
    enabled: Type.Boolean(),
    host: Type.String({ format: 'host-name' }),
    port: Type.Integer({ minimum: 1, maximum: 65535 }),
    /** The database index (SELECT). */
    database: Type.Integer({ minimum: 0, maximum: 65535 }),
    /** An ACL user (Redis 6 or later); without it, the password alone is sent (requirepass). */
    username: Type.Optional(Type.String({ minLength: 1 })),
    password: Type.Optional(Type.String({ minLength: 1 })),
    tls: Type.Object(
      {
        enabled: Type.Boolean(),
        /** A PEM file of the CA that signed the server's certificate; the system's CAs without it. */
        ca_file: Type.Optional(Type.String({ minLength: 1 })),
      },
      strict,
    ),
    /** FastNetMon's redis_prefix: keys are <prefix>_<ip>_information; none when empty. */
    prefix: Type.String({ pattern: '^[^\\s]*$' }),
    /** Keys expire after this long; 0 keeps them (as FastNetMon does). */
    key_ttl_seconds: Type.Integer({ minimum: 0 }),
    /** A hash per attack, <prefix>_<ip>_attack_<id>, updated on each of its events. */
    attack_hash: Type.Boolean(),
    /** PUBLISH every event as JSON on this channel; none when empty. */
    channel: Type.String({ pattern: '^[^\\s]*$' }),
    /** XADD every event to this stream; none when empty. */
    stream: Type.String({ pattern: '^[^\\s]*$' }),
    /** The stream is trimmed to about this many entries (MAXLEN ~). */
    stream_max_length: Type.Integer({ minimum: 1 }),
    /** For connecting and for each write; past it, the event is retried. */
    timeout_seconds: Type.Number({ exclusiveMinimum: 0, maximum: 300 }),
  },
  strict,
);

export type RedisConfig = Static<typeof RedisSchema>;

export function redisDefaults(): RedisConfig {
  return {
    enabled: false,
    host: '127.0.0.1',
    port: 6379,
    database: 0,
    tls: { enabled: false },
    prefix: '',
    key_ttl_seconds: 0,
    attack_hash: true,
    channel: 'floodwatch_events',
    stream: 'floodwatch_events',
    stream_max_length: 10000,
    timeout_seconds: 5,
  };
}

export function describeRedis(config: RedisConfig): string {
  const what = [
    `prefix ${config.prefix === '' ? 'none' : config.prefix}`,
    config.key_ttl_seconds > 0 ? `keys expire after ${config.key_ttl_seconds} s` : 'keys kept',
  ];
  if (config.attack_hash) what.push('a hash per attack');
  if (config.channel !== '') what.push(`channel ${config.channel}`);
  if (config.stream !== '') what.push(`stream ${config.stream} (~${config.stream_max_length} entries)`);
  const login = config.username !== undefined ? `, user ${config.username}` : config.password !== undefined ? ', with a password' : '';
  return `redis at ${config.host}:${config.port} database ${config.database}${config.tls.enabled ? ' over TLS' : ''}${login} (${what.join('; ')})`;
}

export function checkRedis(config: RedisConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (config.username !== undefined && config.password === undefined) {
    problems.push({
      where: 'actions.redis.username',
      reason: 'set without actions.redis.password: Redis logs an ACL user in with both (or leave username out for requirepass)',
    });
  }
  if (config.tls.ca_file !== undefined && !config.tls.enabled) {
    problems.push({ where: 'actions.redis.tls.ca_file', reason: 'set while actions.redis.tls.enabled is false: enable TLS, or remove ca_file' });
  }
  return problems;
}

export function redisWarnings(config: RedisConfig): string[] {
  const warnings: string[] = [];
  if (config.password !== undefined && !config.tls.enabled && !isLoopback(config.host)) {
    warnings.push(`actions.redis: the password is sent to ${config.host} in clear (tls.enabled is false): enable TLS on the server and in actions.redis.tls`);
  }
  if (!config.attack_hash && config.channel === '' && config.stream === '') {
    warnings.push(
      "actions.redis: attack_hash is false and channel and stream are empty: only bans are written (FastNetMon's <ip>_information keys), attacks of hostgroups that do not ban are not recorded",
    );
  }
  return warnings;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}
