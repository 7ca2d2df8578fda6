// The cluster roles' own metrics on /metrics: what a sensor publishes and drops; which sensors a
// detector hears from, how late, and what it merges or drops.
import type { IntegrationMetric, MetricSample } from '../integrations/types.js';

export const CLUSTER_METRICS = [
  { name: 'floodwatch_cluster_connected', help: 'Whether this sensor or detector is connected to the brokers (1) or not (0)', type: 'gauge', labels: ['role'] },
  { name: 'floodwatch_cluster_aggregates_published_total', help: 'Sensor: host-direction aggregates the brokers acknowledged', type: 'counter', labels: [] },
  { name: 'floodwatch_cluster_aggregate_bytes_total', help: 'Sensor: bytes of aggregates the brokers acknowledged', type: 'counter', labels: [] },
  {
    name: 'floodwatch_cluster_aggregates_dropped_total',
    help: "Sensor: host-direction aggregates not published: queue_full, the engine's buffer was full; send_failed, the brokers refused or did not answer",
    type: 'counter',
    labels: ['reason'],
  },
  {
    name: 'floodwatch_cluster_sensor_messages_total',
    help: 'Detector: aggregate messages received, by sensor and whether merged or dropped as late',
    type: 'counter',
    labels: ['sensor', 'outcome'],
  },
  {
    name: 'floodwatch_cluster_sensor_lateness_seconds',
    help: "Detector: how late the sensor's last aggregates arrived (receipt time less the sensor's tick time)",
    type: 'gauge',
    labels: ['sensor'],
  },
  { name: 'floodwatch_cluster_sensor_last_seen_seconds', help: 'Detector: seconds since the sensor was last heard from', type: 'gauge', labels: ['sensor'] },
  {
    name: 'floodwatch_cluster_sensor_silent',
    help: 'Detector: 1 when the sensor has not been heard from for cluster.silent_after_seconds',
    type: 'gauge',
    labels: ['sensor'],
  },
  { name: 'floodwatch_cluster_partitions', help: 'Detector: partitions of the aggregates topic this detector owns', type: 'gauge', labels: [] },
  { name: 'floodwatch_cluster_aggregates_merged_total', help: 'Detector: host-direction aggregates merged into the counters', type: 'counter', labels: [] },
  {
    name: 'floodwatch_cluster_totals_messages_total',
    help: "Detector: the sensors' totals messages, merged, dropped as late or refused as malformed",
    type: 'counter',
    labels: ['outcome'],
  },
  {
    name: 'floodwatch_cluster_aggregates_malformed_total',
    help: 'Detector: aggregate messages refused as malformed or of another wire version',
    type: 'counter',
    labels: [],
  },
] as const satisfies readonly IntegrationMetric[];

export type ClusterMetricValues = Record<string, MetricSample[]>;
