// What every request passes before its route: a Host this API answers to (DNS rebinding), no
// change from another site's page, a JSON body of sane depth; and the headers that keep its HTML
// out of frames and foreign scripts.
import { networkInterfaces } from 'node:os';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi, startApi } from '../../ts/api/server.js';
import { expectProblem } from './expect-problem.js';
import { apiConfig, silentLog, startFixture, TOKEN, type ApiFixture } from './fixture.js';

let fixture: ApiFixture;
/** No token, on loopback: changes are taken from this machine without one. */
let open: FastifyInstance;
let named: FastifyInstance;

beforeAll(async () => {
  fixture = await startFixture();
  open = await buildApi(apiConfig({ listen: '127.0.0.1:7780', tokens: [] }), fixture.context, silentLog);
  named = await buildApi(apiConfig({ listen: '127.0.0.1:7780', allowed_hosts: ['Floodwatch.Example.NET'] }), fixture.context, silentLog);
});

afterAll(async () => {
  await open?.close();
  await named?.close();
  await fixture?.close();
});

const banned = (ip: string) => fixture.bans.list().some((ban) => ban.ip === ip);

function post(api: FastifyInstance, headers: Record<string, string>, ip: string) {
  return api.inject({ method: 'POST', url: '/api/v1/bans', headers: { 'content-type': 'application/json', ...headers }, payload: { ip } });
}

describe('the Host header', () => {
  it('names the listen address or localhost: answered', async () => {
    for (const host of ['127.0.0.1:7780', '127.0.0.1', 'localhost:7780', 'LOCALHOST.:8080', 'floodwatch.localhost']) {
      expect((await open.inject({ method: 'GET', url: '/api/v1/traffic', headers: { host } })).statusCode, host).toBe(200);
    }
  });

  it('names another host: refused before anything is read or changed', async () => {
    for (const host of ['attacker.example', 'attacker.example:7780', '127.0.0.2:7780', '[::1]:7780', 'localhost.attacker.example']) {
      const answer = await open.inject({ method: 'GET', url: '/api/v1/traffic', headers: { host } });
      expectProblem(answer, 421, /does not answer to the host name .*add the name to api\.allowed_hosts/);
    }
    const rebound = await post(open, { host: 'attacker.example:7780', origin: 'http://attacker.example:7780' }, '198.51.100.21');
    expectProblem(rebound, 421, /attacker\.example/);
    expect(banned('198.51.100.21')).toBe(false);
  });

  it('names a host of api.allowed_hosts, in any case: answered', async () => {
    for (const host of ['floodwatch.example.net', 'FLOODWATCH.example.net:443']) {
      expect((await named.inject({ method: 'GET', url: '/api/v1/traffic', headers: { host } })).statusCode, host).toBe(200);
    }
    expectProblem(await named.inject({ method: 'GET', url: '/api/v1/traffic', headers: { host: 'other.example.net' } }), 421, /api\.allowed_hosts/);
  });

  it('on 0.0.0.0 may be any address of this machine, and no other', async () => {
    const { server, address } = await startApi(apiConfig({ listen: '0.0.0.0:0' }), fixture.context, silentLog);
    try {
      const port = address.split(':').pop();
      const local = Object.values(networkInterfaces())
        .flat()
        .map((a) => a!.address)
        .filter((a) => !a.startsWith('fe80'));
      for (const ip of local) {
        const host = ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
        expect((await fetchWithHost(`http://127.0.0.1:${port}/api/v1/traffic`, host)).status, host).toBe(200);
      }
      expect((await fetchWithHost(`http://127.0.0.1:${port}/api/v1/traffic`, `192.0.2.99:${port}`)).status).toBe(421);
    } finally {
      await server.close();
    }
  });
});

/** GET over a real socket with a Host header of our choosing (fetch sets its own). */
async function fetchWithHost(url: string, host: string): Promise<{ status: number }> {
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { host } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode! }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('a change with an Origin header', () => {
  it("from another site's page is refused with 403, even from loopback with no token", async () => {
    for (const origin of ['http://attacker.example', 'http://attacker.example:7780', 'null', 'http://localhost:3000']) {
      const answer = await post(open, { host: '127.0.0.1:7780', origin }, '198.51.100.22');
      expectProblem(answer, 403, /may not change bans here.*api\.allowed_hosts/);
    }
    const unban = await open.inject({
      method: 'DELETE',
      url: '/api/v1/bans/198.51.100.22',
      headers: { host: '127.0.0.1:7780', origin: 'http://attacker.example' },
    });
    expectProblem(unban, 403, /another site|may not change bans/);
    expect(banned('198.51.100.22')).toBe(false);
  });

  it("from the API's own origin, or an allowed host, is taken", async () => {
    const own = await post(open, { host: '127.0.0.1:7780', origin: 'http://127.0.0.1:7780' }, '198.51.100.23');
    expect(own.statusCode, own.body).toBe(201);
    const lifted = await open.inject({
      method: 'DELETE',
      url: '/api/v1/bans/198.51.100.23',
      headers: { host: 'localhost:7780', origin: 'http://localhost:7780' },
    });
    expect(lifted.statusCode, lifted.body).toBe(200);
    const allowed = await post(
      named,
      { host: 'floodwatch.example.net', origin: 'https://floodwatch.example.net', authorization: `Bearer ${TOKEN}` },
      '198.51.100.24',
    );
    expect(allowed.statusCode, allowed.body).toBe(201);
    expect((await named.inject({ method: 'DELETE', url: '/api/v1/bans/198.51.100.24', headers: { authorization: `Bearer ${TOKEN}` } })).statusCode).toBe(200);
  });

  it('is not needed for reads from other pages', async () => {
    expect((await open.inject({ method: 'GET', url: '/api/v1/bans', headers: { origin: 'http://attacker.example' } })).statusCode).toBe(200);
  });
});

describe('the answers', () => {
  it('/docs forbids framing and foreign scripts; every answer says nosniff', async () => {
    const docs = await open.inject({ method: 'GET', url: '/docs' });
    expect(docs.statusCode).toBe(200);
    expect(docs.headers['content-type']).toMatch(/^text\/html/);
    expect(docs.headers['x-frame-options']).toBe('DENY');
    expect(docs.headers['content-security-policy']).toMatch(/(^|; )script-src 'self'(;|$)/);
    expect(docs.headers['content-security-policy']).toMatch(/(^|; )frame-ancestors 'none'(;|$)/);
    expect(docs.headers['x-content-type-options']).toBe('nosniff');
    const traffic = await open.inject({ method: 'GET', url: '/api/v1/traffic' });
    expect(traffic.headers['x-content-type-options']).toBe('nosniff');
    const problem = await open.inject({ method: 'GET', url: '/nowhere' });
    expect(problem.headers['x-content-type-options']).toBe('nosniff');
  });
});

describe('a JSON body', () => {
  it('nested 20 000 deep is a 400 that says so, and the API goes on', async () => {
    for (const payload of ['['.repeat(20_000) + ']'.repeat(20_000), `{"ip":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`]) {
      const answer = await open.inject({ method: 'POST', url: '/api/v1/bans', headers: { 'content-type': 'application/json' }, payload });
      expectProblem(answer, 400, /nests arrays and objects more than 32 deep: send a flat JSON object/);
    }
    expect((await open.inject({ method: 'GET', url: '/api/v1/bans' })).statusCode).toBe(200);
  });

  it('nested within the limit is judged by the schema, which names the field', async () => {
    const payload = `{"ip":${'['.repeat(30)}${']'.repeat(30)}}`;
    const answer = await open.inject({ method: 'POST', url: '/api/v1/bans', headers: { 'content-type': 'application/json' }, payload });
    expectProblem(answer, 400, /body field 'ip' is \[\[\[.*: expected/);
  });

  it('with brackets inside strings is not taken as nested', async () => {
    const payload = JSON.stringify({ ip: '198.51.100.25', comment: '['.repeat(500) + '\\"{'.repeat(100) });
    const answer = await open.inject({ method: 'POST', url: '/api/v1/bans', headers: { 'content-type': 'application/json' }, payload });
    expect(answer.statusCode, answer.body).toBe(201);
    expect((await open.inject({ method: 'DELETE', url: '/api/v1/bans/198.51.100.25' })).statusCode).toBe(200);
  });
});
