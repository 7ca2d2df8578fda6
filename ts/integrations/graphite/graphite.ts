// The Graphite push: every push_seconds, one batch of plaintext lines through the shared push
// loop over one kept-open connection; attack events become points of the next push.
import { isAttackEvent } from '../traffic-figures/attacks.js';
import { TrafficPusher, type EncodedBatch, type PushContent } from '../traffic-figures/pusher.js';
import type { Integration, IntegrationDeps, IntegrationEvent, MetricSample } from '../types.js';
import { GraphiteConnection, type GraphiteTarget } from './connection.js';
import { encodeLines } from './paths.js';

export interface GraphiteConfig extends GraphiteTarget {
  enabled: boolean;
  prefix: string;
  push_seconds: number;
  top_hosts: number;
  queue_batches: number;
}

export class GraphiteIntegration implements Integration {
  readonly name = 'graphite';
  readonly accepts = isAttackEvent;
  readonly connection: GraphiteConnection;
  readonly pusher: TrafficPusher<Buffer>;

  constructor(config: GraphiteConfig, deps: IntegrationDeps) {
    this.connection = new GraphiteConnection(config);
    this.pusher = new TrafficPusher({
      name: this.name,
      log: deps.log,
      engine: deps.engine,
      config: deps.config,
      pushSeconds: config.push_seconds,
      topHosts: config.top_hosts,
      queueBatches: config.queue_batches,
      transport: this.connection,
      encode: (content) => encode(config.prefix, content),
      hint: 'check actions.graphite.host and actions.graphite.port (carbon LINE_RECEIVER_PORT)',
    });
  }

  start(): void {
    this.pusher.start();
  }

  async run(event: IntegrationEvent): Promise<void> {
    this.pusher.record(event);
  }

  stop(): Promise<void> {
    return this.pusher.stop();
  }

  metricValues(): Record<string, MetricSample[]> {
    return this.pusher.metricValues();
  }
}

function encode(prefix: string, content: PushContent): EncodedBatch<Buffer> {
  const lines = encodeLines(prefix, content);
  return { body: Buffer.from(lines.length > 0 ? `${lines.join('\n')}\n` : '', 'utf8'), points: lines.length };
}
