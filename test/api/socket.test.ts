// startApi over a real socket: every path answered over HTTP, the token and the rate limit,
// IPv6, and the refusal to listen beyond loopback without a token.
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi } from '../../ts/api/server.js';
import { waitFor } from '../support/daemon.js';
import { apiConfig, FLOODED, HOSTGROUP, silentLog, startFixture, TOKEN, type ApiFixture } from './fixture.js';

let fixture: ApiFixture;
let server: { close(): Promise<unknown> };
let base: string;

beforeAll(async () => {
  fixture = await startFixture();
  const started = await startApi(apiConfig(), fixture.context, silentLog);
  server = started.server;
  expect(started.address).toMatch(/^127\.0\.0\.1:\d+$/);
  expect(started.address).not.toBe('127.0.0.1:0');
  base = `http://${started.address}`;
});

afterAll(async () => {
  await server?.close();
  await fixture?.close();
});

const json = { 'content-type': 'application/json' };
const bearer = { authorization: `Bearer ${TOKEN}` };

async function problemOf(response: Response, status: number): Promise<{ detail: string }> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  return (await response.json()) as { detail: string };
}

describe('startApi on 127.0.0.1:0', () => {
  it('answers the reads', async () => {
    const host = await fetch(`${base}/api/v1/hosts/${FLOODED}`);
    expect(host.status).toBe(200);
    expect(await host.json()).toMatchObject({ ip: FLOODED, hostgroup: HOSTGROUP, incoming: { packets_total: 1000 } });
    const top = (await (await fetch(`${base}/api/v1/hosts?direction=incoming&sort=pps&limit=2`)).json()) as { hosts: { ip: string }[] };
    expect(top.hosts.map((h) => h.ip)).toEqual([FLOODED, expect.any(String)]);
    const traffic = (await (await fetch(`${base}/api/v1/traffic`)).json()) as { incoming: { packets_total: number } };
    expect(traffic.incoming.packets_total).toBe(1800);
    const attacks = (await (await fetch(`${base}/api/v1/attacks`)).json()) as { attacks: { id: string }[] };
    expect(attacks.attacks.map((a) => a.id)).toEqual([fixture.liveAttack.id, fixture.capturedAttack.id]);
    expect(((await (await fetch(`${base}/api/v1/attacks/${fixture.liveAttack.id}`)).json()) as { ip: string }).ip).toBe(FLOODED);
    const pcap = await fetch(`${base}/api/v1/attacks/${fixture.capturedAttack.id}/pcap`);
    expect(pcap.headers.get('content-type')).toBe('application/vnd.tcpdump.pcap');
    expect((await pcap.arrayBuffer()).byteLength).toBeGreaterThan(24);
    await problemOf(await fetch(`${base}/api/v1/attacks/${fixture.liveAttack.id}/pcap`), 404);
    const metrics = await fetch(`${base}/metrics`);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await metrics.text()).toMatch(/^floodwatch_traffic_packets_total\{direction="incoming",protocol="all"\} 1800$/m);
    expect(Object.keys(((await (await fetch(`${base}/api/v1/openapi.json`)).json()) as { paths: object }).paths)).toContain('/api/v1/bans/{ip}');
    const docs = await fetch(`${base}/docs`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('swagger-ui');
    expect((await problemOf(await fetch(`${base}/nowhere`), 404)).detail).toMatch(/the API is under \/api\/v1/);
  });

  it('bans and unbans with the token; the notify script is told', async () => {
    const body = JSON.stringify({ ip: '198.51.100.20', comment: 'over HTTP' });
    const made = await fetch(`${base}/api/v1/bans`, { method: 'POST', headers: { ...json, ...bearer }, body });
    expect(made.status).toBe(201);
    expect(made.headers.get('location')).toBe('/api/v1/bans/198.51.100.20');
    expect(await made.json()).toMatchObject({ ip: '198.51.100.20', hostgroup: 'global', manual: true, comment: 'over HTTP' });
    const listed = (await (await fetch(`${base}/api/v1/bans`)).json()) as { bans: { ip: string }[] };
    expect(listed.bans.map((b) => b.ip)).toEqual(['198.51.100.20']);
    await waitFor('the ban call', () => fixture.notifyCalls().includes('198.51.100.20 incoming 0 ban'));
    expect((await fetch(`${base}/api/v1/bans`, { method: 'POST', headers: { ...json, ...bearer }, body })).status).toBe(409);
    const lifted = await fetch(`${base}/api/v1/bans/198.51.100.20`, { method: 'DELETE', headers: bearer });
    expect(lifted.status).toBe(200);
    await waitFor('the unban call', () => fixture.notifyCalls().includes('198.51.100.20 incoming 0 unban'));
    await problemOf(await fetch(`${base}/api/v1/bans/198.51.100.20`, { method: 'DELETE', headers: bearer }), 404);
  });

  it('answers 401 without a token or with a wrong one, and 400 for a bad body', async () => {
    const body = JSON.stringify({ ip: FLOODED });
    const none = await fetch(`${base}/api/v1/bans`, { method: 'POST', headers: json, body });
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="floodwatch"');
    expect((await problemOf(none, 401)).detail).toMatch(/Authorization: Bearer TOKEN/);
    await problemOf(await fetch(`${base}/api/v1/bans`, { method: 'POST', headers: { ...json, authorization: 'Bearer not-the-token-at-all' }, body }), 401);
    await problemOf(await fetch(`${base}/api/v1/bans/${FLOODED}`, { method: 'DELETE' }), 401);
    const bad = await fetch(`${base}/api/v1/bans`, { method: 'POST', headers: { ...json, ...bearer }, body: JSON.stringify({ ip: '10.0.0.0/8' }) });
    expect((await problemOf(bad, 400)).detail).toMatch(/is a prefix/);
    expect(fixture.bans.list()).toEqual([]);
  });
});

describe('startApi', () => {
  it('listens on IPv6 loopback, and says where', async () => {
    const { server: v6, address } = await startApi(apiConfig({ listen: '[::1]:0' }), fixture.context, silentLog);
    try {
      expect(address).toMatch(/^\[::1\]:\d+$/);
      expect((await fetch(`http://${address}/api/v1/traffic`)).status).toBe(200);
    } finally {
      await v6.close();
    }
  });

  it.each(['0.0.0.0:0', '[::]:0', '192.0.2.1:7780'])('refuses to listen on %s without a token', async (listen) => {
    await expect(startApi(apiConfig({ listen, tokens: [] }), fixture.context, silentLog)).rejects.toThrow(
      new RegExp(`api.listen is \\S+, but no API token is configured.*set api.tokens \\(or FLOODWATCH_API_TOKEN\\), or listen on 127\\.0\\.0\\.1`),
    );
  });

  it('listens on loopback without a token, and then takes changes without one', async () => {
    const { server: open, address } = await startApi(apiConfig({ listen: '127.0.0.2:0', tokens: [] }), fixture.context, silentLog);
    try {
      const made = await fetch(`http://${address}/api/v1/bans`, { method: 'POST', headers: json, body: JSON.stringify({ ip: FLOODED }) });
      expect(made.status).toBe(201);
      expect((await fetch(`http://${address}/api/v1/bans/${FLOODED}`, { method: 'DELETE' })).status).toBe(200);
    } finally {
      await open.close();
    }
  });

  it('listens beyond loopback with a token', async () => {
    const { server: wide, address } = await startApi(apiConfig({ listen: '0.0.0.0:0' }), fixture.context, silentLog);
    try {
      const port = address.split(':').pop();
      expect(address).toBe(`0.0.0.0:${port}`);
      expect((await fetch(`http://127.0.0.1:${port}/api/v1/bans`)).status).toBe(200);
    } finally {
      await wide.close();
    }
  });

  it('answers 429 over HTTP past mutations_per_minute', async () => {
    const { server: limited, address } = await startApi(apiConfig({ mutations_per_minute: 1 }), fixture.context, silentLog);
    try {
      const post = () => fetch(`http://${address}/api/v1/bans`, { method: 'POST', headers: { ...json, ...bearer }, body: JSON.stringify({ ip: FLOODED }) });
      expect((await post()).status).toBe(201);
      const refused = await post();
      expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
      expect((await problemOf(refused, 429)).detail).toMatch(/more than 1 bans and unbans in a minute/);
    } finally {
      fixture.bans.unban(FLOODED, 'test cleanup');
      await limited.close();
    }
  });

  it('says what to do when the port is taken', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as { port: number };
    try {
      await expect(startApi(apiConfig({ listen: `127.0.0.1:${port}` }), fixture.context, silentLog)).rejects.toThrow(
        new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port} .*another program \\(or another floodwatch\\) uses that port`),
      );
    } finally {
      taken.close();
    }
  });

  it('refuses a listen address that is not one', async () => {
    await expect(startApi(apiConfig({ listen: 'localhost:7780' }), fixture.context, silentLog)).rejects.toThrow(
      /api\.listen: 'localhost:7780': localhost is not an IP address/,
    );
  });

  it('stops answering once closed', async () => {
    const { server: closing, address } = await startApi(apiConfig(), fixture.context, silentLog);
    await closing.close();
    await expect(fetch(`http://${address}/api/v1/bans`)).rejects.toThrow();
  });
});
