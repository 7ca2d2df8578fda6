// GET /metrics: Prometheus text that a strict reader takes, with the traffic, sources, table,
// bans, attacks and actions of the real context behind it.
import { createSocket } from 'node:dgram';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../ts/api/server.js';
import { waitFor } from '../support/daemon.js';
import { apiConfig, FLOODED, silentLog, startFixture, TOKEN, type ApiFixture } from './fixture.js';
import { parsePrometheusText, valueOf, type Family } from './prometheus-text.js';

let fixture: ApiFixture;
let api: FastifyInstance;
let metrics: Map<string, Family>;

/** Datagrams no decoder takes: too short, an unknown version, a truncated NetFlow v5 header. */
const GARBAGE = [Buffer.from([0x00]), Buffer.from([0x00, 0x63, 0, 0]), Buffer.from([0, 5, 0, 1, 127, 0, 0])];

async function sendGarbage(port: number): Promise<void> {
  const socket = createSocket('udp4');
  for (const datagram of GARBAGE) {
    await new Promise<void>((resolve, reject) => socket.send(datagram, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
  }
  socket.close();
}

beforeAll(async () => {
  fixture = await startFixture();
  api = await buildApi(apiConfig(), fixture.context, silentLog);
  await sendGarbage(fixture.exporterPort);
  const banned = await api.inject({ method: 'POST', url: '/api/v1/bans', headers: { authorization: `Bearer ${TOKEN}` }, payload: { ip: FLOODED } });
  expect(banned.statusCode).toBe(201);
  await waitFor('the notify script to run', () => fixture.context.actionCounters().script!.successes === 1);
  await waitFor('the garbage to be counted', () => fixture.engine.sources().exporters.some((e) => Object.keys(e.dropped).length > 0));
  const answer = await api.inject({ method: 'GET', url: '/metrics' });
  expect(answer.statusCode).toBe(200);
  expect(answer.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  metrics = parsePrometheusText(answer.body);
});

afterAll(async () => {
  await api?.close();
  await fixture?.close();
});

describe('GET /metrics', () => {
  it('has HELP and TYPE for every floodwatch family', () => {
    const ours = [...metrics].filter(([name]) => name.startsWith('floodwatch_'));
    expect(ours.length).toBeGreaterThan(20);
    for (const [name, family] of ours) {
      expect(family.help, name).toBeTruthy();
      expect(['counter', 'gauge'], name).toContain(family.type);
      if (family.type === 'counter') expect(name).toMatch(/_total$/);
    }
  });

  it('counts traffic per direction and protocol', () => {
    const sum = (map: Map<string, { packets: number; bytes: number }>, key: 'packets' | 'bytes') => [...map.values()].reduce((n, t) => n + t[key], 0);
    expect(valueOf(metrics, 'floodwatch_traffic_packets_total', { direction: 'incoming', protocol: 'all' })).toBe(sum(fixture.traffic.incoming, 'packets'));
    expect(valueOf(metrics, 'floodwatch_traffic_bytes_total', { direction: 'outgoing', protocol: 'all' })).toBe(sum(fixture.traffic.outgoing, 'bytes'));
    expect(valueOf(metrics, 'floodwatch_traffic_packets_total', { direction: 'incoming', protocol: 'tcp_syn' })).toBe(300);
    expect(valueOf(metrics, 'floodwatch_traffic_packets_total', { direction: 'other', protocol: 'udp' })).toBe(50);
    expect(valueOf(metrics, 'floodwatch_traffic_packets_per_second', { direction: 'incoming', protocol: 'udp' })).toBeGreaterThan(0);
    expect(valueOf(metrics, 'floodwatch_traffic_bits_per_second', { direction: 'incoming', protocol: 'icmp' })).toBeGreaterThan(0);
    expect(valueOf(metrics, 'floodwatch_traffic_flows_total', { direction: 'incoming' })).toBeGreaterThan(0);
    expect(metrics.get('floodwatch_traffic_packets_per_second')!.type).toBe('gauge');
    const protocols = new Set(metrics.get('floodwatch_traffic_packets_total')!.samples.map((s) => s.labels.protocol));
    expect([...protocols].sort()).toEqual(['all', 'fragments', 'icmp', 'tcp', 'tcp_syn', 'udp']);
    const directions = new Set(metrics.get('floodwatch_traffic_packets_total')!.samples.map((s) => s.labels.direction));
    expect([...directions].sort()).toEqual(['incoming', 'internal', 'other', 'outgoing']);
  });

  it('counts per exporter, with drops by reason, and per listener', () => {
    const sources = fixture.engine.sources();
    const softflowd = sources.exporters.find((e) => e.records > 0)!;
    expect(valueOf(metrics, 'floodwatch_exporter_records_total', { exporter: softflowd.exporter })).toBe(softflowd.records);
    expect(valueOf(metrics, 'floodwatch_exporter_datagrams_total', { exporter: softflowd.exporter })).toBe(softflowd.datagrams);
    expect(valueOf(metrics, 'floodwatch_exporter_info', { exporter: softflowd.exporter, format: 'ipfix' })).toBe(1);
    const dropped = metrics.get('floodwatch_exporter_dropped_total')!.samples;
    expect(dropped.length).toBeGreaterThan(0);
    for (const sample of dropped) expect(Object.keys(sample.labels).sort()).toEqual(['exporter', 'reason']);
    expect(dropped.reduce((n, s) => n + s.value, 0)).toBe(GARBAGE.length);
    const [listener] = sources.listeners;
    expect(valueOf(metrics, 'floodwatch_listener_kernel_drops_total', { listener: listener!.address, worker: '0' })).toBe(0);
  });

  it('reports what the flow decoders hold and forgot', () => {
    const { flow } = fixture.engine.sources();
    // softflowd's socket and the one that sent the garbage.
    expect(valueOf(metrics, 'floodwatch_flow_exporters')).toBe(2);
    expect(valueOf(metrics, 'floodwatch_flow_exporters_other')).toBe(0);
    expect(valueOf(metrics, 'floodwatch_flow_template_bytes')).toBe(flow.template_bytes);
    expect(flow.template_bytes).toBeGreaterThan(0);
    expect(valueOf(metrics, 'floodwatch_flow_held_bytes')).toBe(0);
    expect(valueOf(metrics, 'floodwatch_flow_exporter_evictions_total', { reason: 'idle' })).toBe(0);
    expect(valueOf(metrics, 'floodwatch_flow_exporter_evictions_total', { reason: 'full' })).toBe(0);
    expect(valueOf(metrics, 'floodwatch_flow_template_evictions_total')).toBe(0);
    expect(valueOf(metrics, 'floodwatch_sflow_agent_interfaces')).toBe(0);
    expect(valueOf(metrics, 'floodwatch_sflow_agent_interface_evictions_total')).toBe(0);
    expect(metrics.get('floodwatch_exporter_datagrams_total')!.samples.some((s) => s.labels.exporter === 'other')).toBe(false);
  });

  it('reports the table, the engine, bans, attacks and actions', () => {
    expect(valueOf(metrics, 'floodwatch_hosts')).toBe(fixture.traffic.incoming.size);
    expect(valueOf(metrics, 'floodwatch_host_evictions_total', { reason: 'idle' })).toBe(0);
    expect(valueOf(metrics, 'floodwatch_engine_ticks_total')).toBeGreaterThan(0);
    expect(valueOf(metrics, 'floodwatch_engine_tick_duration_seconds')).toBeGreaterThan(0);
    expect(valueOf(metrics, 'floodwatch_bans_active')).toBe(1);
    expect(valueOf(metrics, 'floodwatch_attacks_active')).toBe(1);
    expect(valueOf(metrics, 'floodwatch_attacks_recorded')).toBe(2);
    expect(valueOf(metrics, 'floodwatch_action_successes_total', { action: 'script' })).toBe(1);
    expect(valueOf(metrics, 'floodwatch_action_failures_total', { action: 'script' })).toBe(0);
    expect(valueOf(metrics, 'floodwatch_action_retries_total', { action: 'script' })).toBe(0);
  });

  it('has the default process metrics', () => {
    expect(metrics.get('process_cpu_user_seconds_total')?.type).toBe('counter');
    expect(metrics.get('nodejs_heap_size_used_bytes')?.type).toBe('gauge');
  });
});
