// In a cluster (--role), GET /api/v1/bans and /api/v1/attacks list every member's bans and
// attacks: this member's own, each naming it, and the others' from the cluster's topics (here the
// ClusterView the topics fill, with fixed entries), each naming the member that holds it; a
// capture stays with the member that recorded it.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../ts/api/server.js';
import type { RecordedAttack } from '../../ts/cluster/attacks.js';
import type { LedgerEntry } from '../../ts/cluster/bans.js';
import { sampleAttack, sampleBan } from '../integrations/support.js';
import { expectProblem } from './expect-problem.js';
import { apiConfig, BAN_TIME_SECONDS, FLOODED, HOSTGROUP, silentLog, startFixture, type ApiFixture } from './fixture.js';

const HERE = 'detector-1';
const THERE = 'detector-2';
/** Newer than the fixture's attacks, which start when the test runs. */
const REMOTE_CAPTURED = sampleAttack({ id: '29990101T000000000-000', ip: '198.51.100.5', pcap: 'attacks/29990101T000000000-000.pcap' });
const REMOTE_FLOWS = sampleAttack({ id: '29990101T000000000-001', ip: FLOODED, pcap: null });
const REMOTE_BAN = sampleBan({ ip: '198.51.100.5', attack_id: REMOTE_CAPTURED.id, banned_at: '2000-01-01T00:00:00.000Z' });

let fixture: ApiFixture;
let api: FastifyInstance;
let plain: FastifyInstance;
let bans: LedgerEntry[] = [];
let attacks: RecordedAttack[] = [];

beforeAll(async () => {
  fixture = await startFixture();
  const context = { ...fixture.context, cluster: { name: HERE, bans: () => bans, attacks: () => attacks } };
  api = await buildApi(apiConfig(), context, silentLog);
  plain = await buildApi(apiConfig(), fixture.context, silentLog);
  fixture.bans.ban({ ip: FLOODED, direction: 'incoming', hostgroup: HOSTGROUP, attack: null, ttlSeconds: BAN_TIME_SECONDS, manual: true, comment: null });
  const local = fixture.bans.get(FLOODED)!;
  // The topics hold this member's own too: its ban and its attack records.
  bans = [
    { ban: REMOTE_BAN, by: THERE },
    { ban: local, by: HERE },
  ];
  attacks = [
    { attack: REMOTE_FLOWS, by: THERE },
    { attack: REMOTE_CAPTURED, by: THERE },
    { attack: fixture.capturedAttack, by: HERE },
  ];
});

afterAll(async () => {
  await api?.close();
  await plain?.close();
  await fixture?.close();
});

const get = (url: string, app = api) => app.inject({ method: 'GET', url });

describe('GET /api/v1/bans in a cluster', () => {
  it("lists this member's bans and the other members', oldest first, each naming its member", async () => {
    const listed = (await get('/api/v1/bans')).json().bans;
    expect(listed).toEqual([
      { ...REMOTE_BAN, member: THERE },
      { ...fixture.bans.get(FLOODED), member: HERE },
    ]);
    expect((await get('/api/v1/bans', plain)).json().bans).toEqual([fixture.bans.get(FLOODED)]);
  });
});

describe('GET /api/v1/attacks in a cluster', () => {
  it("lists the other members' attacks with this member's, newest first, each once and naming its member", async () => {
    const listed = (await get('/api/v1/attacks')).json().attacks as { id: string; member: string }[];
    expect(listed.map((a) => [a.id, a.member])).toEqual([
      [REMOTE_FLOWS.id, THERE],
      [REMOTE_CAPTURED.id, THERE],
      [fixture.liveAttack.id, HERE],
      [fixture.capturedAttack.id, HERE],
    ]);
    expect((await get('/api/v1/attacks?limit=3')).json().attacks).toHaveLength(3);
    const ofHost = (await get(`/api/v1/attacks?ip=${FLOODED}`)).json().attacks.map((a: { id: string }) => a.id);
    expect(ofHost).toEqual([REMOTE_FLOWS.id, fixture.liveAttack.id, fixture.capturedAttack.id]);
    expect((await get('/api/v1/attacks', plain)).json().attacks[0]).not.toHaveProperty('member');
  });

  it("answers another member's attack by id", async () => {
    const answer = await get(`/api/v1/attacks/${REMOTE_CAPTURED.id}`);
    expect(answer.statusCode).toBe(200);
    expect(answer.json()).toEqual({ ...REMOTE_CAPTURED, member: THERE });
    expect((await get(`/api/v1/attacks/${fixture.capturedAttack.id}`)).json()).toMatchObject({ id: fixture.capturedAttack.id, member: HERE });
  });

  it('sends to the member that recorded it for its capture', async () => {
    expectProblem(
      await get(`/api/v1/attacks/${REMOTE_CAPTURED.id}/pcap`),
      404,
      /attack 29990101T000000000-000 was recorded by detector-2, another member of the cluster, which keeps its capture.*detector-2's REST API/,
    );
    expectProblem(await get(`/api/v1/attacks/${REMOTE_FLOWS.id}/pcap`), 404, /no packets were captured/);
    expect((await get(`/api/v1/attacks/${fixture.capturedAttack.id}/pcap`)).statusCode).toBe(200);
  });
});
