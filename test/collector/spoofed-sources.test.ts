// A spray of spoofed sources (thousands of addresses and ports, as a forged stream looks to the
// collector) next to a real exporter: /metrics keeps answering with a bounded number of exporter
// series, the real exporter listed, the spray summed under exporter="other", nothing uncounted.
import { createSocket, type Socket } from 'node:dgram';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../ts/api/server.js';
import { apiConfig, silentLog, startFixture, type ApiFixture } from '../api/fixture.js';
import { parsePrometheusText, valueOf, type Family } from '../api/prometheus-text.js';
import { waitFor } from '../support/daemon.js';

const SOURCES = 3000;
/** Exporters the view lists one by one; the rest are one 'other' row. */
const LISTED = 256;
/** An unknown version: counted and dropped by the decoder. */
const SPOOFED = Buffer.from([0x00, 0x63, 0, 0]);

let fixture: ApiFixture;
let api: FastifyInstance;
let metrics: Map<string, Family>;
let datagramsBefore: number;

const datagramsCounted = () => fixture.engine.sources().exporters.reduce((n, e) => n + e.datagrams, 0);

/** One datagram from each of `count` sources: 127.1.x.y, a port the kernel picks for each. */
async function sprayFromSources(port: number, count: number): Promise<void> {
  for (let first = 0; first < count; first += 100) {
    await Promise.all(
      Array.from({ length: Math.min(100, count - first) }, async (_, k) => {
        const i = first + k;
        const socket: Socket = createSocket('udp4');
        await new Promise<void>((resolve) => socket.bind({ address: `127.1.${i >> 8}.${i & 255}`, port: 0 }, resolve));
        await new Promise<void>((resolve, reject) => socket.send(SPOOFED, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
        socket.close();
      }),
    );
  }
}

beforeAll(async () => {
  fixture = await startFixture();
  api = await buildApi(apiConfig(), fixture.context, silentLog);
  datagramsBefore = datagramsCounted();
  await sprayFromSources(fixture.exporterPort, SOURCES);
  await waitFor('the spray to be counted', () => datagramsCounted() === datagramsBefore + SOURCES);
  const answer = await api.inject({ method: 'GET', url: '/metrics' });
  expect(answer.statusCode).toBe(200);
  metrics = parsePrometheusText(answer.body);
}, 60_000);

afterAll(async () => {
  await api?.close();
  await fixture?.close();
});

describe('/metrics after a spray of spoofed sources', () => {
  it('has one series per listed exporter and one for the others', () => {
    const series = metrics.get('floodwatch_exporter_datagrams_total')!.samples;
    expect(series.length).toBeLessThanOrEqual(LISTED + 1);
    expect(series.filter((s) => s.labels.exporter === 'other')).toHaveLength(1);
    expect(valueOf(metrics, 'floodwatch_flow_exporters_other')).toBeGreaterThanOrEqual(SOURCES + 1 - LISTED);
    expect(metrics.get('floodwatch_exporter_info')!.samples.every((s) => s.labels.exporter !== 'other')).toBe(true);
  });

  it('still lists the real exporter and counts every datagram', () => {
    const real = fixture.engine.sources().exporters.find((e) => e.records > 0)!;
    expect(valueOf(metrics, 'floodwatch_exporter_records_total', { exporter: real.exporter })).toBe(real.records);
    const datagrams = metrics.get('floodwatch_exporter_datagrams_total')!.samples.reduce((n, s) => n + s.value, 0);
    expect(datagrams).toBe(datagramsBefore + SOURCES);
    const unknown = metrics.get('floodwatch_exporter_dropped_total')!.samples.filter((s) => s.labels.reason === 'unknown_version');
    expect(unknown.reduce((n, s) => n + s.value, 0)).toBe(SOURCES);
    expect(valueOf(metrics, 'floodwatch_flow_exporters')).toBeGreaterThanOrEqual(SOURCES + 1);
  });
});
