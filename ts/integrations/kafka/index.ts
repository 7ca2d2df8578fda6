// Kafka: every flow record and packet the engine decodes, encoded by the engine as FastNetMon's
// JSON or Protobuf and produced in batches, and the attack events as JSON on a second topic.
import { defineIntegration } from '../types.js';
import { checkKafka, describeKafka, engineExport, kafkaDefaults, kafkaWarnings, KafkaSchema } from './config.js';
import { importKafkaFromFastnetmon } from './fastnetmon.js';
import { KAFKA_METRICS } from './metrics.js';

export const kafkaIntegration = defineIntegration({
  engine: (config) => ({ export: engineExport(config) }),
  name: 'kafka',
  schema: KafkaSchema,
  defaults: kafkaDefaults,
  describe: describeKafka,
  check: (config) => checkKafka(config),
  warnings: kafkaWarnings,
  secretKeys: (config) => (config.sasl ? ['sasl.password'] : []),
  importFastnetmon: importKafkaFromFastnetmon,
  metrics: KAFKA_METRICS,
  async create(config, deps) {
    const { KafkaIntegration } = await import('./kafka.js');
    return new KafkaIntegration(config, deps);
  },
});
