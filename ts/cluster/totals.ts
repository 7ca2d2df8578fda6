// The whole traffic's totals on every detector. Each sensor publishes its tick's totals (scopes
// and records count, apart from the hosts' aggregates) to cluster.totals_topic; every detector
// reads all of it, in a group of its own, and adds them to its counters: each detector's
// /api/v1/traffic and floodwatch_traffic_* show the sum of the sensors' totals, whatever
// partitions it owns. Totals later than cluster.tick_wait_ms are dropped, as aggregates are.
import type { KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';
import type { FlowEngine } from '../engine/index.js';
import { TOTALS_TOPIC_CONFIG, type ClusterSettings } from './config.js';
import type { ClusterMetricValues } from './metrics.js';
import { SharedTopic } from './shared-topic.js';
import { TICK_AT_HEADER } from './sensor.js';

export class TotalsReader {
  readonly #settings: ClusterSettings;
  readonly #engine: Pick<FlowEngine, 'mergeAggregates'>;
  readonly #log: Logger;
  readonly #topic: SharedTopic;
  #merged = 0;
  #late = 0;
  #malformed = 0;

  constructor(settings: ClusterSettings, engine: Pick<FlowEngine, 'mergeAggregates'>, log: Logger) {
    this.#settings = settings;
    this.#engine = engine;
    this.#log = log;
    this.#topic = new SharedTopic(
      settings,
      { topic: settings.totals_topic, configEntries: TOTALS_TOPIC_CONFIG, what: 'totals', fromBeginning: false, onMessage: (m) => this.#merge(m) },
      log,
    );
  }

  start(): Promise<void> {
    return this.#topic.start();
  }

  stop(): Promise<void> {
    return this.#topic.stop();
  }

  metricValues(): ClusterMetricValues {
    return {
      floodwatch_cluster_totals_messages_total: [
        [{ outcome: 'merged' }, this.#merged],
        [{ outcome: 'late' }, this.#late],
        [{ outcome: 'malformed' }, this.#malformed],
      ],
    };
  }

  #merge(message: KafkaMessage): void {
    if (!message.value) return;
    const tickAt = Number(message.headers?.[TICK_AT_HEADER]?.toString() ?? message.timestamp);
    if (Date.now() - tickAt > this.#settings.tick_wait_ms) {
      this.#late++;
      return;
    }
    try {
      this.#engine.mergeAggregates(message.value);
      this.#merged++;
    } catch (err) {
      this.#malformed++;
      if (this.#malformed === 1)
        this.#log.warn(
          { topic: this.#settings.totals_topic, error: (err as Error).message },
          'totals refused (counted in floodwatch_cluster_totals_messages_total)',
        );
    }
  }
}
