// The InfluxDB push: every push_seconds, one gzipped batch of line protocol through the shared
// push loop; attack events become points of the next push.
import { gzip } from 'node:zlib';
import { promisify } from 'node:util';
import type { LookupFunction } from 'node:net';
import { isAttackEvent } from '../traffic-figures/attacks.js';
import { TrafficPusher, type EncodedBatch, type PushContent } from '../traffic-figures/pusher.js';
import type { Integration, IntegrationDeps, IntegrationEvent, MetricSample } from '../types.js';
import { InfluxClient, type InfluxBody, type InfluxWriteTarget } from './client.js';
import { encodeLines } from './line-protocol.js';

const gzipAsync = promisify(gzip);

export interface InfluxdbConfig extends InfluxWriteTarget {
  enabled: boolean;
  push_seconds: number;
  top_hosts: number;
  queue_batches: number;
}

export class InfluxdbIntegration implements Integration {
  readonly name = 'influxdb';
  readonly accepts = isAttackEvent;
  readonly client: InfluxClient;
  readonly pusher: TrafficPusher<InfluxBody>;

  constructor(config: InfluxdbConfig, deps: IntegrationDeps, options: { lookup?: LookupFunction } = {}) {
    this.client = new InfluxClient(config, options);
    this.pusher = new TrafficPusher({
      name: this.name,
      log: deps.log,
      engine: deps.engine,
      config: deps.config,
      pushSeconds: config.push_seconds,
      topHosts: config.top_hosts,
      queueBatches: config.queue_batches,
      transport: this.client,
      encode: (content) => encode(content, config.gzip),
      hint: 'check actions.influxdb.url and that InfluxDB runs there',
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

async function encode(content: PushContent, compress: boolean): Promise<EncodedBatch<InfluxBody>> {
  const lines = encodeLines(content);
  const text = Buffer.from(lines.length > 0 ? `${lines.join('\n')}\n` : '', 'utf8');
  return { body: compress ? { data: await gzipAsync(text), gzipped: true } : { data: text, gzipped: false }, points: lines.length };
}
