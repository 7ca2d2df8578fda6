// Real routers' exports through a running engine over UDP: the vendor fixtures of
// crates/flow/testdata (built from the vendors' documented templates and checked against
// tshark) decode to the right hosts with the right totals, scaled by the rate each exporter
// announces, and the sampling rate learnt shows per exporter.
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FlowEngine } from '../../ts/engine/index.js';
import { settle, startEngine } from '../support/engine.js';

const TESTDATA = fileURLToPath(new URL('../../crates/flow/testdata/', import.meta.url));

/** The datagrams of fixture DIR/NAME, sent in order from a socket of their own: one exporter. */
async function sendFixture(port: number, dir: string, name: string): Promise<void> {
  const socket = createSocket('udp4');
  for (let i = 0; ; i++) {
    let datagram: Buffer;
    try {
      datagram = readFileSync(join(TESTDATA, dir, `${name}-${String(i).padStart(2, '0')}.bin`));
    } catch {
      break;
    }
    await new Promise<void>((resolve, reject) => socket.send(datagram, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
  }
  await new Promise<void>((resolve) => socket.close(() => resolve()));
}

let engine: FlowEngine;

beforeAll(async () => {
  const started = startEngine({ networks: ['10.0.0.0/8', '192.0.2.0/24', '198.51.100.0/24', '2001:db8::/32'] });
  engine = started.engine;
  for (const [dir, name] of [
    ['netflow_v9', 'vendor-juniper-sampling'],
    ['netflow_v9', 'vendor-dual-family'],
    ['netflow_v9', 'vendor-wlc-station'],
    ['netflow_v9', 'vendor-asa-nsel'],
    ['netflow_v9', 'vendor-interface-sampling'],
    ['netflow_v9', 'vendor-total-counters'],
    ['ipfix', 'vendor-interface-sampling'],
    ['ipfix', 'vendor-rfc5103-biflow'],
  ]) {
    await sendFixture(started.port, dir, name);
  }
  await settle(engine);
});

afterAll(() => engine?.stop());

const incoming = (ip: string) => {
  const host = engine.host(ip);
  return host && [host.incoming.packets_total, host.incoming.bytes_total];
};

describe("vendors' flow exports through the engine", () => {
  it("Juniper's sampling options (a System scope of length 0) scale the flows that follow", () => {
    expect(incoming('10.0.0.2')).toEqual([300, 150_000]);
    expect(engine.sources().exporters.some((e) => e.format === 'netflow_v9' && e.sampling_rate === 100)).toBe(true);
  });

  it('a template with both address families counts to the family that is set', () => {
    expect(incoming('198.51.100.7')).toEqual([10, 4000]);
    expect(incoming('2001:db8::2')).toEqual([3, 900]);
    expect(engine.host('0.0.0.0')).toBeNull();
    expect(engine.host('::')).toBeNull();
  });

  it("a wireless controller's station records count to the station, both ways", () => {
    const station = engine.host('10.1.2.3')!;
    expect([station.outgoing.packets_total, station.outgoing.bytes_total]).toEqual([10, 5000]);
    expect([station.incoming.packets_total, station.incoming.bytes_total]).toEqual([60, 90_000]);
  });

  it('biflows count the replies too (ASA NSEL, RFC 5103)', () => {
    expect(incoming('198.51.100.80')).toEqual([20, 1200]);
    expect(incoming('192.0.2.50')).toEqual([180, 250_000]);
    expect(incoming('192.0.2.51')?.[1]).toBe(90_000);
    expect(incoming('192.0.2.123')).toEqual([10, 760]);
    expect(incoming('198.51.100.9')).toEqual([10, 4680]);
  });

  it('sampling rates per interface apply to the flows of that interface', () => {
    expect(incoming('198.51.100.1')).toEqual([100, 150_000]);
    expect(incoming('198.51.100.2')).toEqual([1000, 1_500_000]);
    expect(incoming('198.51.100.3')).toEqual([1000, 1_500_000]);
    expect(incoming('198.51.100.4')).toEqual([100, 150_000]);
  });

  it('a flow reported twice in total counters counts once', () => {
    expect(incoming('198.51.100.60')).toEqual([2500, 3_600_000]);
  });

  it('counts what it could not use under a reason', () => {
    const dropped = engine.sources().exporters.reduce((n, e) => n + (e.dropped.no_address ?? 0), 0);
    expect(dropped).toBe(1);
  });
});
