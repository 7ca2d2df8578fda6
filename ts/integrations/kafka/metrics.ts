// The Kafka integration's own metrics, on /metrics while it is enabled.
import { EVENT_KINDS, type EventKind, type IntegrationMetric, type MetricSample } from '../types.js';

export const KAFKA_METRICS = [
  { name: 'floodwatch_kafka_connected', help: 'Whether the producer is connected to the brokers (1) or not (0)', type: 'gauge', labels: [] },
  {
    name: 'floodwatch_kafka_records_exported_total',
    help: 'Flow records and packets the brokers acknowledged (or sent, with acks: none)',
    type: 'counter',
    labels: [],
  },
  {
    name: 'floodwatch_kafka_records_dropped_total',
    help: "Flow records and packets not exported: queue_full, the engine's export queue was full (Kafka slow or down); send_failed, the brokers refused or did not answer",
    type: 'counter',
    labels: ['reason'],
  },
  {
    name: 'floodwatch_kafka_bytes_total',
    help: 'Bytes of the record batches the brokers acknowledged (compressed when compression is on)',
    type: 'counter',
    labels: [],
  },
  {
    name: 'floodwatch_kafka_batches_total',
    help: 'Record batches the brokers acknowledged (one per partition in each Produce request)',
    type: 'counter',
    labels: [],
  },
  { name: 'floodwatch_kafka_errors_total', help: 'Produce requests that failed, by topic kind (traffic, events)', type: 'counter', labels: ['topic'] },
  { name: 'floodwatch_kafka_queue_batches', help: "Batches of records waiting in the engine's export queue", type: 'gauge', labels: [] },
  { name: 'floodwatch_kafka_events_total', help: 'Attack events written to the events topic, by event', type: 'counter', labels: ['event'] },
] as const satisfies readonly IntegrationMetric[];

export class KafkaMetrics {
  connected = false;
  exported = 0;
  /** The engine's count: records it encoded but could not queue. */
  droppedQueueFull = 0;
  droppedSendFailed = 0;
  bytes = 0;
  batches = 0;
  trafficErrors = 0;
  eventErrors = 0;
  queueBatches = 0;
  readonly events = new Map<EventKind, number>(EVENT_KINDS.map((kind) => [kind, 0]));

  values(): Record<string, MetricSample[]> {
    return {
      floodwatch_kafka_connected: [[{}, this.connected ? 1 : 0]],
      floodwatch_kafka_records_exported_total: [[{}, this.exported]],
      floodwatch_kafka_records_dropped_total: [
        [{ reason: 'queue_full' }, this.droppedQueueFull],
        [{ reason: 'send_failed' }, this.droppedSendFailed],
      ],
      floodwatch_kafka_bytes_total: [[{}, this.bytes]],
      floodwatch_kafka_batches_total: [[{}, this.batches]],
      floodwatch_kafka_errors_total: [
        [{ topic: 'traffic' }, this.trafficErrors],
        [{ topic: 'events' }, this.eventErrors],
      ],
      floodwatch_kafka_queue_batches: [[{}, this.queueBatches]],
      floodwatch_kafka_events_total: [...this.events].map(([event, count]): MetricSample => [{ event }, count]),
    };
  }
}
