// MongoDB: one document per attack (collection attacks) and per manual ban (collection bans),
// updated as the attack evolves, ends, and its host is banned and unbanned.
import { access, constants } from 'node:fs/promises';
import { describeReadError } from '../../config/errors.js';
import { defineIntegration } from '../types.js';
import { checkMongodb, describeMongodb, mongodbDefaults, MongodbSchema, mongodbSecretKeys, mongodbWarnings } from './config.js';
import { importMongodb } from './fastnetmon.js';

export const mongodb = defineIntegration({
  name: 'mongodb',
  schema: MongodbSchema,
  defaults: mongodbDefaults,
  describe: describeMongodb,
  check: checkMongodb,
  warnings: mongodbWarnings,
  secretKeys: mongodbSecretKeys,
  importFastnetmon: importMongodb,
  metrics: [
    {
      name: 'floodwatch_mongodb_connected',
      help: 'Whether a MongoDB server floodwatch can write to is reachable (1) or not (0).',
      type: 'gauge',
      labels: [],
    },
    {
      name: 'floodwatch_mongodb_writes_total',
      help: 'Documents inserted or updated in MongoDB, by collection.',
      type: 'counter',
      labels: ['collection'],
    },
    {
      name: 'floodwatch_mongodb_write_errors_total',
      help: 'MongoDB writes that failed (the event is retried).',
      type: 'counter',
      labels: [],
    },
  ],
  async create(config, deps) {
    for (const key of ['tls_ca_file', 'tls_certificate_key_file'] as const) {
      const path = config[key];
      if (!config.tls || path === null) continue;
      try {
        await access(path, constants.R_OK);
      } catch (error) {
        throw new Error(`actions.mongodb.${key}: ${path}: ${describeReadError(error)}`, { cause: error });
      }
    }
    const { MongodbIntegration } = await import('./mongodb.js');
    return new MongodbIntegration(config, deps.log);
  },
});
