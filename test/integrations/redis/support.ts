// Shared by the Redis integration's tests: events for the sample attack, and the integration
// built as the daemon builds it (definition.create), against a real redis-server.
import type { Logger } from 'pino';
import { redisDefaults, type RedisConfig } from '../../../ts/integrations/redis/config.js';
import { redis as redisIntegration } from '../../../ts/integrations/redis/index.js';
import type { EventKind, Integration, IntegrationEvent, WholeConfig } from '../../../ts/integrations/types.js';
import type { RedisServer } from '../../support/redis.js';
import { memoryLogger, sampleAttack, sampleBan } from '../support.js';

/** An event of the sample attack; attack_started comes before the ban, the others with it. */
export function attackEvent(kind: EventKind, overrides: Partial<IntegrationEvent> = {}): IntegrationEvent {
  const attack = sampleAttack();
  return {
    kind,
    ip: attack.ip,
    direction: attack.direction,
    hostgroup: attack.hostgroup,
    attack,
    ban: kind === 'attack_started' ? null : sampleBan(),
    at: attack.started_at,
    ...overrides,
  };
}

/** The sample attack on another address (its ban too). */
export function attackOn(ip: string, kind: EventKind): IntegrationEvent {
  const event = attackEvent(kind);
  return { ...event, ip, attack: { ...event.attack!, ip }, ban: event.ban && { ...event.ban, ip } };
}

export function redisConfig(server: RedisServer, overrides: Partial<RedisConfig> = {}): RedisConfig {
  return { ...redisDefaults(), enabled: true, host: '127.0.0.1', port: server.port, timeout_seconds: 1, ...overrides };
}

export async function createRedis(config: RedisConfig, log: Logger = memoryLogger().logger): Promise<Integration> {
  return redisIntegration.create(config, {
    log,
    config: {} as WholeConfig,
    engine: null,
    activeBans: () => [],
    attackOf: () => null,
    flowspecFor: () => false,
    stateDir: '/nonexistent',
  });
}

/** A metric's value for the given labels (none: the first sample). */
export function metric(integration: Integration, name: string, labels: Record<string, string> = {}): number | undefined {
  const samples = integration.metricValues?.()[name] ?? [];
  return samples.find(([l]) => Object.entries(labels).every(([k, v]) => l[k] === v))?.[1];
}
