// The dashboard's live stream and files, on the REST API of a real engine fed by softflowd: one
// frame a second with the traffic, top talkers, attacks, bans and sources, the same text to every
// page; a bounded number of streams; a page that does not read is dropped; the API closes with
// streams open; the files are cached by their hashed names, the page carries the CSP.
import { execFileSync } from 'node:child_process';
import { get } from 'node:http';
import { connect } from 'node:net';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveStream } from '../../ts/api/dashboard/live-stream.js';
import { startApi } from '../../ts/api/server.js';
import { waitFor } from '../support/daemon.js';
import { apiConfig, FLOODED, HOSTGROUP, silentLog, startFixture, type ApiFixture } from '../api/fixture.js';
import { openStream, parseFrame } from './sse.js';

const BUILD_WEB = new URL('../../scripts/build-web.mjs', import.meta.url).pathname;

let fixture: ApiFixture;
let server: { close(): Promise<unknown> };
let base: string;

beforeAll(async () => {
  execFileSync(process.execPath, [BUILD_WEB], { stdio: 'ignore' });
  fixture = await startFixture();
  // 4 connections: one live stream at most (a quarter).
  const started = await startApi(apiConfig({ max_connections: 4 }), fixture.context, silentLog);
  server = started.server;
  base = `http://${started.address}`;
});

afterAll(async () => {
  await server?.close();
  await fixture?.close();
});

describe('GET /api/v1/stream', () => {
  it('sends a frame a second with the traffic, top talkers with their hostgroup, attacks under way, bans and sources', async () => {
    fixture.bans.ban({ ip: '198.51.100.5', direction: 'incoming', hostgroup: HOSTGROUP, attack: null, ttlSeconds: 600, manual: true, comment: 'stream test' });
    const stream = await openStream(`${base}/api/v1/stream`);
    try {
      expect(stream.status).toBe(200);
      expect(stream.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
      expect(stream.headers.get('cache-control')).toBe('no-store');
      const first = parseFrame(await stream.next());
      const second = parseFrame(await stream.next());
      expect(second.at - first.at).toBeGreaterThanOrEqual(500);
      expect(second.totals.incoming.protocols.udp).toBeDefined();
      const top = second.top.incoming.pps.find((row) => row.ip === FLOODED);
      expect(top?.hostgroup).toBe(HOSTGROUP);
      expect(second.attacks.map((a) => a.id)).toContain(fixture.liveAttack.id);
      expect(second.bans.list.map((b) => b.ip)).toContain('198.51.100.5');
      expect(second.bans.count).toBe(second.bans.list.length);
      expect(second.sources.listeners.length).toBe(1);
      expect(second.sources.exporters.reduce((n, e) => n + e.records, 0)).toBeGreaterThan(0);
      expect(second.health.checks.sources.state).toBe('receiving');
      // Every configured hostgroup, with or without traffic now, and its thresholds.
      expect(second.thresholds.map((t) => [t.hostgroup, t.prefixes])).toEqual([
        ['global', []],
        [HOSTGROUP, ['198.51.100.0/28']],
      ]);
      expect(second.thresholds[1]?.incoming).toMatchObject({ pps: 50 });
    } finally {
      stream.close();
      fixture.bans.unban('198.51.100.5', 'stream test over');
    }
  });

  it('takes a bounded number of streams: the next is refused with a reason until one closes', async () => {
    const first = await openStream(`${base}/api/v1/stream`);
    await first.next();
    const refused = await fetch(`${base}/api/v1/stream`);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(((await refused.json()) as { detail: string }).detail).toContain('dashboard pages are open, as many as this API streams to');
    first.close();
    await first.ended;
    const again = await waitFor('a stream to be accepted again', async () => {
      const stream = await openStream(`${base}/api/v1/stream`);
      if (stream.status === 200) return stream;
      stream.close();
      return null;
    });
    again.close();
  });

  it('outlives api.idle_timeout_seconds: a stream is never idle', async () => {
    const quick = await startApi(apiConfig({ idle_timeout_seconds: 1 }), fixture.context, silentLog);
    const stream = await openStream(`http://${quick.address}/api/v1/stream`);
    try {
      const frames = [];
      for (let i = 0; i < 4; i++) frames.push(parseFrame(await stream.next()));
      expect(frames[3]!.at - frames[0]!.at).toBeGreaterThanOrEqual(2500);
    } finally {
      stream.close();
      await quick.server.close();
    }
  });

  it('refuses a page of another host name (DNS rebinding)', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const request = get(`${base}/api/v1/stream`, { headers: { host: 'attacker.example:7780' } }, (response) => {
        response.resume();
        resolve(response.statusCode!);
      });
      request.on('error', reject);
    });
    expect(status).toBe(421);
  });
});

describe('the dashboard files', () => {
  it('serves the page with the CSP, not cached, and its hashed assets cached for good', async () => {
    const page = await fetch(`${base}/`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    const html = await page.text();
    const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.map((a) => a.replace(/-[A-Z0-9]+\./, '.')).sort()).toEqual(['/assets/app.css', '/assets/app.js']);
    for (const asset of assets) {
      const response = await fetch(`${base}${asset}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(response.headers.get('content-type')).toMatch(asset.endsWith('.js') ? /^text\/javascript/ : /^text\/css/);
      // Self-contained: nothing fetched from elsewhere.
      expect(await response.text()).not.toMatch(/https?:\/\/(?!www\.w3\.org)[a-z0-9.-]+\.[a-z]{2,}\/[^"']*\.(js|css|woff2?)/i);
    }
    const missing = await fetch(`${base}/assets/app-NOTTHERE.js`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
  });
});

describe('LiveStream', () => {
  it('drops a page that does not read its stream, and the API closes with streams open', async () => {
    const app = Fastify();
    const big = 'x'.repeat(512 * 1024);
    const stream = new LiveStream({ frame: () => big, intervalMs: 20, maxStreams: 4, log: silentLog });
    app.addHook('preClose', async () => stream.close());
    app.get('/stream', async (_request, reply) => {
      stream.attach(reply);
      return reply;
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as { port: number };
    // A client that sends its request and never reads.
    const stalled = connect(port, '127.0.0.1', () => stalled.write('GET /stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'));
    stalled.pause();
    await waitFor('the stalled page to be dropped', () => stream.dropped === 1, 30_000);
    expect(stream.open).toBe(0);
    stalled.destroy();
    // One that reads: the close ends it rather than waiting for it.
    const reading = await openStream(`http://127.0.0.1:${port}/stream`);
    await reading.next();
    expect(stream.open).toBe(1);
    await app.close();
    await reading.ended;
    expect(stream.open).toBe(0);
  });
});
