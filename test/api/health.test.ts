// GET /healthz of a running daemon: the sources waiting then receiving, the state directory
// failing then repaired, an action that gives up; 200 while every check passes, 503 otherwise.
// And GET /, which points at the docs.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HealthReport } from '../../ts/api/health.js';
import { loadConfig } from '../../ts/config/load.js';
import { Daemon } from '../../ts/daemon/daemon.js';
import { daemonConfig, freeUdpPort, Teardown, writeConfig } from '../support/daemon.js';
import { softflowd } from '../support/exporters.js';
import { writePcap } from '../support/pcap.js';
import { mixedTraffic } from '../support/traffic.js';

const teardown = new Teardown();
let dir: string;
let stateDir: string;
let daemon: Daemon;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'floodwatch-health-'));
  teardown.defer(() => rmSync(dir, { recursive: true, force: true }));
  stateDir = join(dir, 'state');
  const script = join(dir, 'failing-notify.sh');
  writeFileSync(script, '#!/bin/sh\necho "the ticketing system is down" >&2\nexit 1\n');
  chmodSync(script, 0o755);
  // Thresholds no test traffic reaches: the bans here are the test's own.
  const config = { ...daemonConfig({ stateDir, port: await freeUdpPort(), script, thresholds: { incoming: { pps: 10_000_000 } } }), log_level: 'error' };
  const path = writeConfig(join(dir, 'floodwatch.yaml'), config);
  daemon = await Daemon.start({ log: pino({ level: 'silent' }), loaded: await loadConfig(path) });
  teardown.defer(() => daemon.stop());
});

afterAll(() => teardown.run());

/** Polls GET /healthz until `accept` takes its answer. */
async function healthUntil(what: string, accept: (report: HealthReport) => boolean, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await health();
    if (accept(answer.body)) return answer;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(answer.body)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The report, as a 200's body or inside a 503's problem detail. */
interface HealthAnswer {
  status: number;
  contentType: string | null;
  body: HealthReport & { detail?: string };
}

async function health(): Promise<HealthAnswer> {
  const response = await fetch(`http://${daemon.apiAddress}/healthz`);
  return { status: response.status, contentType: response.headers.get('content-type'), body: (await response.json()) as HealthAnswer['body'] };
}

describe('GET /healthz', () => {
  it('is 200 at start, the sources waiting for their first datagram', async () => {
    const { status, body } = await health();
    expect(status).toBe(200);
    expect(body.status).toBe('ok');
    expect(body.checks.sources).toMatchObject({ status: 'ok', state: 'waiting', received_total: 0, last_received_at: null });
    expect(body.checks.engine.status).toBe('ok');
    expect(body.checks.engine.last_tick_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(body.checks.state).toEqual({ status: 'ok', detail: `${stateDir} takes writes` });
    expect(body.checks.actions).toMatchObject({ status: 'ok', failing: [] });
  });

  it('says the sources receive once flows arrive', async () => {
    const pcap = join(dir, 'traffic.pcap');
    writePcap(pcap, mixedTraffic().packets);
    await softflowd(pcap, Number(daemon.listening[0]!.split(':').pop()), 10);
    const { body } = await healthUntil('the sources receiving', (report) => report.checks.sources.state === 'receiving');
    expect(body.checks.sources.received_total).toBeGreaterThan(0);
    expect(Date.parse(body.checks.sources.last_received_at!)).toBeLessThanOrEqual(Date.now());
  });

  it('is 503 while the state directory refuses writes, naming the file, and 200 again once it takes them', async () => {
    const bansFile = join(stateDir, 'bans.json');
    rmSync(bansFile, { force: true });
    mkdirSync(join(bansFile, 'inside'), { recursive: true });
    const refused = await fetch(`http://${daemon.apiAddress}/api/v1/bans`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ip: '198.51.100.40', ttl_seconds: 60 }),
    });
    expect(refused.status).toBeGreaterThanOrEqual(500);
    const failing = await health();
    expect(failing.status).toBe(503);
    expect(failing.contentType).toMatch(/^application\/problem\+json/);
    expect(failing.body).toMatchObject({ type: 'urn:floodwatch:problem:unhealthy', status: 503, instance: '/healthz' });
    expect(failing.body.detail).toMatch(new RegExp(`^state: ${bansFile}: `));
    expect(failing.body.checks.state.status).toBe('failing');
    expect(failing.body.checks.engine.status).toBe('ok');
    rmSync(bansFile, { recursive: true });
    const ban = await fetch(`http://${daemon.apiAddress}/api/v1/bans`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ip: '198.51.100.41', ttl_seconds: 3600 }),
    });
    expect(ban.status).toBe(201);
    expect((await health()).body.checks.state.status).toBe('ok');
  });

  it('is 503 once an action gives up on an event, naming it', async () => {
    // The ban above ran the failing script: it gives up after its retries (about 15 s).
    const { status, body } = await healthUntil('the script action to give up', (report) => report.checks.actions.status === 'failing', 40_000);
    expect(status).toBe(503);
    expect(body.checks.actions.failing).toEqual(['script']);
    expect(body.detail).toContain('actions: script gave up on their last events');
  }, 60_000);
});

describe('GET /', () => {
  it('shows a browser the dashboard, and tells a client where everything is', async () => {
    const browser = await fetch(`http://${daemon.apiAddress}/`, { headers: { accept: 'text/html' }, redirect: 'manual' });
    expect(browser.status).toBe(200);
    expect(browser.headers.get('content-type')).toMatch(/^text\/html/);
    const client = await fetch(`http://${daemon.apiAddress}/`);
    expect(client.status).toBe(200);
    expect(await client.json()).toMatchObject({ dashboard: '/', docs: '/docs', openapi: '/api/v1/openapi.json', health: '/healthz' });
  });
});
