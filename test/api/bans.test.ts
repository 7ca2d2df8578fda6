// Bans and unbans through fastify.inject: tokens, the policy checks and force, bad bodies and
// bad addresses, the rate limit, and a ban that reaches the notify script.
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../ts/api/server.js';
import { waitFor } from '../support/daemon.js';
import { expectProblem } from './expect-problem.js';
import { apiConfig, BAN_TIME_SECONDS, FLOODED, HOSTGROUP, OUTSIDE, silentLog, startFixture, TOKEN, WHITELISTED, type ApiFixture } from './fixture.js';

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

afterEach(() => {
  for (const ban of fixture.bans.list()) fixture.bans.unban(ban.ip, 'test cleanup');
});

const bearer = { authorization: `Bearer ${TOKEN}` };
const ban = (body: unknown, headers: Record<string, string> = bearer, app = api) =>
  app.inject({ method: 'POST', url: '/api/v1/bans', headers, payload: body as InjectOptions['payload'] });
const unban = (ip: string, headers: Record<string, string> = bearer, app = api) => app.inject({ method: 'DELETE', url: `/api/v1/bans/${ip}`, headers });
const bannedIps = async () => (await api.inject({ method: 'GET', url: '/api/v1/bans' })).json().bans.map((b: { ip: string }) => b.ip);

describe('POST /api/v1/bans', () => {
  it('bans a host: it shows in the bans, is saved, and reaches the notify script', async () => {
    const answer = await ban({ ip: FLOODED, comment: 'abuse ticket 4711' });
    expect(answer.statusCode).toBe(201);
    expect(answer.headers.location).toBe(`/api/v1/bans/${FLOODED}`);
    const made = answer.json();
    expect(made).toMatchObject({ ip: FLOODED, direction: 'incoming', hostgroup: HOSTGROUP, attack_id: null, manual: true, comment: 'abuse ticket 4711' });
    expect(Date.parse(made.expires_at) - Date.parse(made.banned_at)).toBe(BAN_TIME_SECONDS * 1000);
    expect(await bannedIps()).toEqual([FLOODED]);
    expect(fixture.store.loadBans().map((b) => b.ip)).toEqual([FLOODED]);
    expect(await waitFor('the notify script', () => fixture.notifyCalls().find((call) => call.endsWith(' ban')))).toBe(`${FLOODED} incoming 0 ban`);
  });

  it('takes a ttl, and IPv6 in any spelling, kept in canonical form', async () => {
    const answer = await ban({ ip: '2001:DB8:1:0:0:0:0:20', ttl_seconds: 60 });
    expect(answer.statusCode).toBe(201);
    const made = answer.json();
    expect(made.ip).toBe('2001:db8:1::20');
    expect(Date.parse(made.expires_at) - Date.parse(made.banned_at)).toBe(60_000);
    expect((await unban('2001:db8:1:0::20')).json().ip).toBe('2001:db8:1::20');
  });

  it('takes an IPv4-mapped IPv6 address as the IPv4 address, whitelist included', async () => {
    expectProblem(await ban({ ip: `::ffff:${WHITELISTED}` }), 422, /198\.51\.100\.30 is in the whitelist/);
    expect((await ban({ ip: `::FFFF:${FLOODED}` })).json().ip).toBe(FLOODED);
  });

  it('answers 409 for a host already banned, and keeps the first ban', async () => {
    const first = (await ban({ ip: FLOODED, ttl_seconds: 300 })).json();
    expectProblem(
      await ban({ ip: FLOODED, ttl_seconds: 60 }),
      409,
      new RegExp(`${FLOODED} is already banned until ${first.expires_at}; .*DELETE /api/v1/bans/${FLOODED}`),
    );
    expect(fixture.bans.get(FLOODED)).toEqual(first);
  });

  it('refuses a whitelisted host or one outside the monitored networks with 422, unless forced', async () => {
    expectProblem(await ban({ ip: WHITELISTED }), 422, /198\.51\.100\.30 is in the whitelist.*force: true/);
    expectProblem(await ban({ ip: OUTSIDE }), 422, /192\.0\.2\.50 is outside the monitored networks.*force: true/);
    expect(await bannedIps()).toEqual([]);
    expect((await ban({ ip: WHITELISTED, force: true })).statusCode).toBe(201);
    const forced = await ban({ ip: OUTSIDE, force: true });
    expect(forced.statusCode).toBe(201);
    expect(forced.json()).toMatchObject({ ip: OUTSIDE, hostgroup: 'global', manual: true });
  });

  it.each([
    ['0.0.0.0', /the unspecified address/],
    ['255.255.255.255', /the broadcast address/],
    ['224.0.0.251', /a multicast address \(224\.0\.0\.0\/4\)/],
    ['127.0.0.1', /a loopback address/],
    ['169.254.10.1', /a link-local address/],
    ['::', /the unspecified address \(::\)/],
    ['::1', /the loopback address \(::1\)/],
    ['ff02::1', /a multicast address \(ff00::\/8\)/],
    ['fe80::1', /a link-local address \(fe80::\/10\)/],
  ])('refuses %s with 422, even where all addresses are monitored, saying why and that force: true overrides', async (ip, what) => {
    // The default configuration monitors 0.0.0.0/0 and ::/0.
    const app = await buildApi(apiConfig(), { ...fixture.context, isMonitored: () => true }, silentLog);
    try {
      const refused = expectProblem(await ban({ ip }, bearer, app), 422, what);
      expect(refused.detail).toMatch(/not the address of one host.*send force: true to ban it anyway/);
      expect(await bannedIps()).toEqual([]);
      expect((await ban({ ip, force: true }, bearer, app)).statusCode).toBe(201);
    } finally {
      await app.close();
    }
  });

  it.each([
    ['no ip', { ttl_seconds: 60 }, /body field 'ip' is missing: expected text: one IPv4 or IPv6 address/],
    ['a prefix', { ip: '198.51.100.0/24' }, /body field 'ip': '198\.51\.100\.0\/24' is a prefix; give a single address/],
    ['a zone index', { ip: 'fe80::1%eth0' }, /zone index \(%eth0\) is not allowed/],
    ['a leading zero', { ip: '198.51.100.010' }, /leading zero.*write 198\.51\.100\.10/],
    ['a number for ip', { ip: 3325256714 }, /body field 'ip' is 3325256714: expected text/],
    ['an unknown field', { ip: FLOODED, ttl: 60 }, /body field 'ttl' is not a known field \(known: ip, ttl_seconds, comment, force\)/],
    ['a ttl of 0', { ip: FLOODED, ttl_seconds: 0 }, /body field 'ttl_seconds' is 0: expected an integer from 1 to 315360000/],
    ['a ttl as text', { ip: FLOODED, ttl_seconds: '60' }, /body field 'ttl_seconds' is "60": expected an integer/],
    ['force as text', { ip: FLOODED, force: 'yes' }, /body field 'force' is "yes": expected true or false/],
    ['an array', [FLOODED], /the body is \["198\.51\.100\.10"\]: expected a JSON object with ip \(required\), ttl_seconds, comment, force/],
  ])('answers 400 for %s, saying what to send', async (_what, body, reason) => {
    expectProblem(await ban(body), 400, reason);
    expect(await bannedIps()).toEqual([]);
  });

  it('answers 400 for a body that is not JSON, 415 for one that is not declared JSON', async () => {
    const raw = (payload: string, type: string) => api.inject({ method: 'POST', url: '/api/v1/bans', headers: { ...bearer, 'content-type': type }, payload });
    expectProblem(await raw('{"ip": ', 'application/json'), 400, /the body is not valid JSON/);
    expectProblem(await raw('', 'application/json'), 400, /the body is empty/);
    expectProblem(await raw(`ip=${FLOODED}`, 'application/x-www-form-urlencoded'), 415, /Content-Type: application\/json/);
    expectProblem(
      await api.inject({ method: 'POST', url: '/api/v1/bans', headers: bearer }),
      400,
      /the body is missing: send a JSON object with ip \(required\)/,
    );
  });
});

describe('DELETE /api/v1/bans/{ip}', () => {
  it('lifts a ban, answers it, and the notify script is told', async () => {
    const made = (await ban({ ip: FLOODED })).json();
    const answer = await unban(FLOODED);
    expect(answer.statusCode).toBe(200);
    expect(answer.json()).toEqual(made);
    expect(await bannedIps()).toEqual([]);
    expect(await waitFor('the unban call', () => fixture.notifyCalls().find((call) => call.endsWith(' unban')))).toBe(`${FLOODED} incoming 0 unban`);
  });

  it('answers 404 for a host not banned, 400 for a bad address', async () => {
    expectProblem(await unban('198.51.100.77'), 404, /198\.51\.100\.77 is not banned; GET \/api\/v1\/bans lists the bans/);
    expectProblem(await unban('198.51.100.0%2F24'), 400, /is a prefix/);
  });
});

describe('a state file that cannot be written', () => {
  // As root, which no chmod stops: bans.json made a directory, so that the rename over it fails.
  const breakBansFile = () => {
    rmSync(join(fixture.store.dir, 'bans.json'), { force: true });
    mkdirSync(join(fixture.store.dir, 'bans.json', 'inside'), { recursive: true });
  };
  const repairBansFile = () => rmSync(join(fixture.store.dir, 'bans.json'), { recursive: true });
  const tempFiles = () => readdirSync(fixture.store.dir).filter((name) => name.endsWith('.tmp'));

  it('answers 503 naming the file to a ban, which is not made, reaches no action, and can be made once the file is writable', async () => {
    const eventsBefore = fixture.events.length;
    breakBansFile();
    try {
      const answer = await ban({ ip: FLOODED });
      expectProblem(answer, 503, new RegExp(`the ban of ${FLOODED} was not made: cannot write ${fixture.store.dir}/bans\\.json: EISDIR.*writable.*retry`));
      expect(await bannedIps()).toEqual([]);
      expect(fixture.events.length).toBe(eventsBefore);
      expect(tempFiles()).toEqual([]);
    } finally {
      repairBansFile();
    }
    expect((await ban({ ip: FLOODED })).statusCode).toBe(201);
    expect(fixture.store.loadBans().map((b) => b.ip)).toEqual([FLOODED]);
  });

  it('answers 503 naming the file to an unban, and the ban stays, in memory and on disk, with no unban sent', async () => {
    const made = (await ban({ ip: FLOODED })).json();
    const eventsBefore = fixture.events.length;
    breakBansFile();
    try {
      expectProblem(await unban(FLOODED), 503, new RegExp(`the unban of ${FLOODED} was not made: cannot write .*bans\\.json`));
      expect(fixture.bans.get(FLOODED)).toEqual(made);
      expect(fixture.events.length).toBe(eventsBefore);
      expect(tempFiles()).toEqual([]);
    } finally {
      repairBansFile();
      fixture.store.saveBans(fixture.bans.list());
    }
    expect((await unban(FLOODED)).statusCode).toBe(200);
    expect(fixture.store.loadBans()).toEqual([]);
  });
});

describe('tokens', () => {
  it('answers 401 with WWW-Authenticate without a token, with a wrong one, or with a malformed header', async () => {
    const none = expectProblem(await ban({ ip: FLOODED }, {}), 401, /needs a token: send the header Authorization: Bearer TOKEN/);
    expect(none.title).toBe('Unauthorized');
    expect((await ban({ ip: FLOODED }, {})).headers['www-authenticate']).toBe('Bearer realm="floodwatch"');
    const wrong = await ban({ ip: FLOODED }, { authorization: `Bearer ${TOKEN}x` });
    expectProblem(wrong, 401, /not one of api\.tokens or FLOODWATCH_API_TOKEN/);
    expect(wrong.headers['www-authenticate']).toBe('Bearer realm="floodwatch", error="invalid_token"');
    expectProblem(await ban({ ip: FLOODED }, { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }), 401, /not of the form 'Bearer TOKEN'/);
    expectProblem(await unban(FLOODED, {}), 401, /needs a token/);
    expect(await bannedIps()).toEqual([]);
  });

  it('checks the token before the body', async () => {
    expectProblem(await ban({ nonsense: true }, {}), 401, /needs a token/);
  });

  it('leaves reads open', async () => {
    expect((await api.inject({ method: 'GET', url: '/api/v1/bans' })).statusCode).toBe(200);
  });

  it('takes FLOODWATCH_API_TOKEN too, and refuses one too short to be safe', async () => {
    const envToken = 'from-the-environment-0123456789';
    process.env.FLOODWATCH_API_TOKEN = envToken;
    try {
      const app = await buildApi(apiConfig(), fixture.context, silentLog);
      try {
        expect((await ban({ ip: FLOODED }, { authorization: `Bearer ${envToken}` }, app)).statusCode).toBe(201);
        expect((await unban(FLOODED, bearer, app)).statusCode).toBe(200);
      } finally {
        await app.close();
      }
      process.env.FLOODWATCH_API_TOKEN = 'short';
      await expect(buildApi(apiConfig(), fixture.context, silentLog)).rejects.toThrow(/FLOODWATCH_API_TOKEN is 5 characters long; use at least 16/);
    } finally {
      delete process.env.FLOODWATCH_API_TOKEN;
    }
  });

  it('with no token configured, accepts changes from this machine only', async () => {
    const app = await buildApi(apiConfig({ tokens: [] }), fixture.context, silentLog);
    try {
      expect((await ban({ ip: FLOODED }, {}, app)).statusCode).toBe(201);
      const remote = await app.inject({ method: 'DELETE', url: `/api/v1/bans/${FLOODED}`, remoteAddress: '192.0.2.9' });
      expectProblem(remote, 403, /no API token is configured.*only from this machine; set api\.tokens or FLOODWATCH_API_TOKEN/);
      expect((await unban(FLOODED, {}, app)).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });
});

describe('rate limit', () => {
  it('answers 429 past mutations_per_minute, bans and unbans together, per client address', async () => {
    const app = await buildApi(apiConfig({ mutations_per_minute: 3 }), fixture.context, silentLog);
    try {
      expect((await ban({ ip: FLOODED }, bearer, app)).statusCode).toBe(201);
      expect((await unban(FLOODED, bearer, app)).statusCode).toBe(200);
      expect((await ban({ ip: FLOODED }, {}, app)).statusCode).toBe(401); // counted too: no guessing tokens
      const limited = await ban({ ip: FLOODED }, bearer, app);
      expectProblem(limited, 429, /more than 3 bans and unbans in a minute from 127\.0\.0\.1; retry in .*api\.mutations_per_minute/);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expectProblem(await unban(FLOODED, bearer, app), 429, /more than 3/);
      const elsewhere = await app.inject({ method: 'POST', url: '/api/v1/bans', headers: bearer, payload: { ip: FLOODED }, remoteAddress: '192.0.2.9' });
      expect(elsewhere.statusCode).toBe(201);
      for (let i = 0; i < 5; i++) expect((await app.inject({ method: 'GET', url: '/api/v1/bans' })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });
});
