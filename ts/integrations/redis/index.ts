// Redis: FastNetMon's keys for each ban (<prefix>_<ip>_information, _flow_dump), a hash per
// attack, and every event on a channel and a stream, through one connection kept open.
import { defineIntegration } from '../types.js';
import { checkRedis, describeRedis, redisDefaults, redisWarnings, RedisSchema } from './config.js';
import { importRedisFromFastnetmon } from './fastnetmon.js';
import { REDIS_METRICS } from './metrics.js';

export const redis = defineIntegration({
  name: 'redis',
  schema: RedisSchema,
  defaults: redisDefaults,
  describe: describeRedis,
  check: (config) => checkRedis(config),
  warnings: redisWarnings,
  secretKeys: (config) => (config.password !== undefined ? ['password'] : []),
  importFastnetmon: importRedisFromFastnetmon,
  metrics: REDIS_METRICS,
  async create(config, deps) {
    const { RedisIntegration } = await import('./redis.js');
    return new RedisIntegration(config, deps.log);
  },
});
