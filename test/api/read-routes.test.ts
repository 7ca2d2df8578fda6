// The read-only routes through fastify.inject, on a real engine fed NetFlow by softflowd: hosts,
// top talkers, traffic totals, attacks and their captures, and the problems they answer with.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../ts/api/server.js';
import { expectProblem } from './expect-problem.js';
import { apiConfig, FLOODED, HOSTGROUP, OUTSIDE, silentLog, startFixture, type ApiFixture } from './fixture.js';

let fixture: ApiFixture;
let api: FastifyInstance;

beforeAll(async () => {
  fixture = await startFixture();
  api = await buildApi(apiConfig(), fixture.context, silentLog);
});

afterAll(async () => {
  await api?.close();
  await fixture?.close();
});

const get = (url: string) => api.inject({ method: 'GET', url });

describe('GET /api/v1/hosts/{ip}', () => {
  it("answers a host's counters and hostgroup", async () => {
    const answer = await get(`/api/v1/hosts/${FLOODED}`);
    expect(answer.statusCode).toBe(200);
    const host = answer.json();
    const sent = fixture.traffic.incoming.get(FLOODED)!;
    expect(host).toMatchObject({ ip: FLOODED, hostgroup: HOSTGROUP });
    expect(host.incoming).toMatchObject({ packets_total: sent.packets, bytes_total: sent.bytes });
    expect(host.incoming.pps).toBeGreaterThan(0);
    expect(host.incoming.protocols.udp.packets_total).toBe(sent.packets);
    expect(host.outgoing.packets_total).toBe(fixture.traffic.outgoing.get(FLOODED)!.packets);
    expect(Object.keys(host.incoming).sort()).toEqual(['approximate', 'bps', 'bytes_total', 'flows', 'flows_total', 'packets_total', 'pps', 'protocols']);
    expect(Object.keys(host.incoming.protocols).sort()).toEqual(['fragments', 'icmp', 'tcp', 'tcp_syn', 'udp']);
  });

  it('takes IPv6 in any case and answers its canonical form', async () => {
    const answer = await get('/api/v1/hosts/2001:DB8:1:0::20');
    expect(answer.statusCode).toBe(200);
    expect(answer.json()).toMatchObject({ ip: '2001:db8:1::20', hostgroup: 'global' });
    expect(answer.json().incoming.packets_total).toBe(fixture.traffic.incoming.get('2001:db8:1::20')!.packets);
  });

  it('answers 404 for a host not seen, saying whether it is monitored', async () => {
    expectProblem(await get('/api/v1/hosts/198.51.100.99'), 404, /no traffic to or from 198\.51\.100\.99/);
    expectProblem(await get(`/api/v1/hosts/${OUTSIDE}`), 404, /outside the monitored networks/);
  });

  it.each([
    ['198.51.100.0/24', /is a prefix; give a single address such as 198\.51\.100\.0/],
    ['fe80::1%25eth0', /zone index \(%eth0\) is not allowed/],
    ['198.051.100.10', /leading zero.*write 198\.51\.100\.10/],
    ['198.51.100', /not an IPv4 or IPv6 address/],
    ['example.com', /not an IPv4 or IPv6 address/],
  ])('answers 400 for %s, saying why', async (text, reason) => {
    expectProblem(await get(`/api/v1/hosts/${text.replace('/', '%2F')}`), 400, reason);
  });
});

describe('GET /api/v1/hosts', () => {
  it('ranks incoming hosts by pps, 20 at most, by default', async () => {
    const answer = await get('/api/v1/hosts');
    expect(answer.statusCode).toBe(200);
    const { direction, sort, hosts } = answer.json();
    expect({ direction, sort }).toEqual({ direction: 'incoming', sort: 'pps' });
    expect(hosts.length).toBe(fixture.traffic.incoming.size);
    expect(hosts[0]).toMatchObject({ ip: FLOODED, hostgroup: HOSTGROUP });
    const pps = hosts.map((h: { incoming: { pps: number } }) => h.incoming.pps);
    expect(pps).toEqual([...pps].sort((a, b) => b - a));
  });

  it('says how big the host table is, its tiers, memory and evictions', async () => {
    const { table } = (await get('/api/v1/hosts')).json();
    expect(table.hosts).toBeGreaterThanOrEqual(fixture.traffic.incoming.size);
    expect(table.hosts_compact + table.hosts_full).toBe(table.hosts);
    expect(table.memory_bytes).toBeGreaterThan(0);
    expect(table.evictions).toEqual({ idle: expect.any(Number), full: expect.any(Number) });
    expect(Object.keys(table).sort()).toEqual([
      'evictions',
      'hosts',
      'hosts_compact',
      'hosts_full',
      'hosts_protected',
      'hosts_refused',
      'memory_bytes',
      'promotions',
    ]);
  });

  it('sorts by a protocol metric, in either direction, with a limit', async () => {
    const icmp = (await get('/api/v1/hosts?direction=incoming&sort=icmp_pps&limit=1')).json();
    expect(icmp.hosts.map((h: { ip: string }) => h.ip)).toEqual(['198.51.100.30']);
    const out = (await get('/api/v1/hosts?direction=outgoing&sort=bps&limit=5')).json();
    expect(out.direction).toBe('outgoing');
    expect(out.hosts.map((h: { ip: string }) => h.ip)).toEqual([FLOODED]);
  });

  it.each([
    ['direction=sideways', /query parameter 'direction' is "sideways": expected one of incoming, outgoing/],
    ['sort=speed', /query parameter 'sort' is "speed": expected one of pps, bps, flows, tcp_pps/],
    ['limit=0', /query parameter 'limit' is 0: expected an integer from 1 to 1000/],
    ['limit=5000', /expected an integer from 1 to 1000/],
    ['limit=ten', /query parameter 'limit' is "ten"/],
    ['top=5', /query parameter 'top' is not a known field \(known: direction, sort, limit\)/],
  ])('answers 400 for ?%s, naming the parameter', async (query, reason) => {
    expectProblem(await get(`/api/v1/hosts?${query}`), 400, reason);
  });
});

describe('GET /api/v1/traffic', () => {
  it('answers the totals per direction and protocol', async () => {
    const answer = await get('/api/v1/traffic');
    expect(answer.statusCode).toBe(200);
    const totals = answer.json();
    expect(Object.keys(totals).sort()).toEqual(['incoming', 'internal', 'other', 'outgoing']);
    const sum = (map: Map<string, { packets: number }>) => [...map.values()].reduce((n, t) => n + t.packets, 0);
    expect(totals.incoming.packets_total).toBe(sum(fixture.traffic.incoming));
    expect(totals.outgoing.packets_total).toBe(sum(fixture.traffic.outgoing));
    expect(totals.incoming.protocols.tcp_syn.packets_total).toBe(300);
    expect(totals.other.packets_total).toBe(50);
  });
});

describe('GET /api/v1/attacks', () => {
  it('lists the attack under way and the recorded one, newest first', async () => {
    const answer = await get('/api/v1/attacks');
    expect(answer.statusCode).toBe(200);
    const ids = answer.json().attacks.map((a: { id: string }) => a.id);
    expect(ids).toEqual([fixture.liveAttack.id, fixture.capturedAttack.id]);
    expect(answer.json().attacks[0]).toMatchObject({ ip: FLOODED, hostgroup: HOSTGROUP, ended_at: null, type: 'udp_flood' });
    // The host's rate from the detection on, for the chart around the attack's start.
    expect(answer.json().attacks[0].series[0]).toMatchObject({ at: Date.parse(fixture.liveAttack.started_at), pps: expect.any(Number) });
    expect((await get('/api/v1/attacks?limit=1')).json().attacks.map((a: { id: string }) => a.id)).toEqual([fixture.liveAttack.id]);
    expectProblem(await get('/api/v1/attacks?limit=-1'), 400, /limit/);
  });

  it("lists one host's attacks with ip, in any spelling of its address, and refuses what is not one", async () => {
    const ofHost = async (ip: string) => (await get(`/api/v1/attacks?ip=${encodeURIComponent(ip)}`)).json().attacks as { id: string; ip: string }[];
    const captured = await ofHost(fixture.capturedAttack.ip);
    expect(captured.map((a) => a.id)).toContain(fixture.capturedAttack.id);
    expect(new Set(captured.map((a) => a.ip))).toEqual(new Set([fixture.capturedAttack.ip]));
    expect((await ofHost(FLOODED)).map((a) => a.id)).toContain(fixture.liveAttack.id);
    expect(await ofHost('192.0.2.254')).toEqual([]);
    expectProblem(await get('/api/v1/attacks?ip=not-an-address'), 400, /query parameter 'ip'/);
  });

  it('answers one attack by id, 404 for an unknown one, 400 for a malformed one', async () => {
    const live = await get(`/api/v1/attacks/${fixture.liveAttack.id}`);
    expect(live.statusCode).toBe(200);
    expect(live.json()).toMatchObject({ id: fixture.liveAttack.id, ip: FLOODED, direction: 'incoming', threshold: { metric: 'pps', value: 50 } });
    const recorded = (await get(`/api/v1/attacks/${fixture.capturedAttack.id}`)).json();
    expect(recorded).toMatchObject({ id: fixture.capturedAttack.id, pcap: fixture.capturedAttack.pcap });
    expect(recorded.ended_at).not.toBeNull();
    expectProblem(await get('/api/v1/attacks/20200101T000000000-000'), 404, /no attack 20200101T000000000-000; GET \/api\/v1\/attacks lists them/);
    expectProblem(await get('/api/v1/attacks/..%2Fbans'), 400, /path parameter 'id'/);
  });
});

describe('GET /api/v1/attacks/{id}/pcap', () => {
  it('answers the capture of an attack from a packet source', async () => {
    const answer = await get(`/api/v1/attacks/${fixture.capturedAttack.id}/pcap`);
    expect(answer.statusCode).toBe(200);
    expect(answer.headers['content-type']).toBe('application/vnd.tcpdump.pcap');
    expect(answer.headers['content-disposition']).toBe(`attachment; filename="${fixture.capturedAttack.id}.pcap"`);
    const saved = readFileSync(join(fixture.store.dir, fixture.capturedAttack.pcap!));
    expect(answer.rawPayload.equals(saved)).toBe(true);
    // pcap magic, microsecond or nanosecond timestamps
    expect([0xa1b2c3d4, 0xa1b23c4d]).toContain(answer.rawPayload.readUInt32LE(0));
  });

  it('answers 404 for an attack seen through flows, saying why there is no capture', async () => {
    expectProblem(
      await get(`/api/v1/attacks/${fixture.liveAttack.id}/pcap`),
      404,
      /no packets were captured .*from its detection on.*NetFlow and IPFIX flow records carry no packets.*a burst that ended before the detection leaves none/,
    );
  });
});

describe('errors', () => {
  it('answers a problem for an unknown path', async () => {
    expectProblem(await get('/api/v2/hosts'), 404, /there is no GET \/api\/v2\/hosts: the API is under \/api\/v1.*\/docs/);
    expectProblem(await api.inject({ method: 'PUT', url: '/api/v1/bans' }), 404, /there is no PUT \/api\/v1\/bans/);
  });

  it('answers a problem for a URL that cannot be decoded', async () => {
    expectProblem(await get('/api/v1/hosts/%ZZ'), 400, /not a valid url component: escape the URL's % signs as %25/);
  });
});
