// The Redis integration's own metrics, on /metrics while it is enabled.
import { EVENT_KINDS, type EventKind, type IntegrationMetric, type MetricSample } from '../types.js';

export const REDIS_METRICS = [
  { name: 'floodwatch_redis_connected', help: 'Whether the connection to the Redis server is up (1) or not (0)', type: 'gauge', labels: [] },
  { name: 'floodwatch_redis_reconnects_total', help: 'Connections to the Redis server made again after one was lost', type: 'counter', labels: [] },
  {
    name: 'floodwatch_redis_commands_failed_total',
    help: 'Events whose writes to Redis failed (each is retried by the dispatcher)',
    type: 'counter',
    labels: [],
  },
  { name: 'floodwatch_redis_events_written_total', help: 'Events written to Redis, by event', type: 'counter', labels: ['event'] },
] as const satisfies readonly IntegrationMetric[];

export class RedisMetrics {
  connected = false;
  reconnects = 0;
  commandsFailed = 0;
  readonly written = new Map<EventKind, number>(EVENT_KINDS.map((kind) => [kind, 0]));

  values(): Record<string, MetricSample[]> {
    return {
      floodwatch_redis_connected: [[{}, this.connected ? 1 : 0]],
      floodwatch_redis_reconnects_total: [[{}, this.reconnects]],
      floodwatch_redis_commands_failed_total: [[{}, this.commandsFailed]],
      floodwatch_redis_events_written_total: [...this.written].map(([event, count]): MetricSample => [{ event }, count]),
    };
  }
}
