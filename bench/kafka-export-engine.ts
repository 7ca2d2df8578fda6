// The floodwatch side of the Kafka export scenario, as its own process so that its CPU time is
// its own: a FlowEngine exporting to Kafka and the Kafka integration draining it. Started with
// the JSON `{ engine, kafka }` as argument; answers one JSON line per command on standard input
// ("stats", "stop").
import { createInterface } from 'node:readline';
import pino from 'pino';
import { FlowEngine, type EngineConfig } from '../ts/engine/index.js';
import { engineExport, type KafkaConfig } from '../ts/integrations/kafka/config.js';
import { KafkaIntegration } from '../ts/integrations/kafka/kafka.js';

const { engine: engineConfig, kafka } = JSON.parse(process.argv[2] ?? '{}') as { engine: EngineConfig; kafka: KafkaConfig };
const engine = new FlowEngine({ ...engineConfig, export: engineExport(kafka) });
const listening = engine.start();
const integration = kafka.enabled ? new KafkaIntegration(kafka, { log: pino({ level: 'warn' }, process.stderr), engine }) : null;
integration?.start();
process.stdout.write(JSON.stringify({ listening }) + '\n');

function stats() {
  const records = engine.sources().exporters.reduce((n, e) => n + e.records, 0);
  const m = integration?.metrics;
  return {
    records,
    exported: m?.exported ?? 0,
    dropped_queue_full: m?.droppedQueueFull ?? 0,
    dropped_send_failed: m?.droppedSendFailed ?? 0,
    bytes: m?.bytes ?? 0,
    batches: m?.batches ?? 0,
    errors: m?.trafficErrors ?? 0,
    queue_batches: m?.queueBatches ?? 0,
  };
}

for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'stats') {
    process.stdout.write(JSON.stringify(stats()) + '\n');
  } else if (line === 'stop') {
    await integration?.stop();
    engine.stop();
    process.stdout.write(JSON.stringify({ stopped: true }) + '\n');
    break;
  }
}
process.exit(0);
