// SIGTERM while the e-mail action is stuck on an SMTP server that accepts connections and never
// answers: floodwatch saves its state, stops within a few seconds, says what it left undelivered,
// and sends it at the next start (an unban included, although its ban is gone from the state).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttackRecord } from '../../ts/attacks/types.js';
import { attacksOn, daemonConfig, DaemonProcess, freeUdpPort, readBans, Teardown, waitFor, writeConfig } from '../support/daemon.js';
import { softflowd } from '../support/exporters.js';
import { mailHeader, startSmtpServer } from '../support/smtp.js';
import { stream, synFlood, writeCapture } from './floods.js';

const FLOODED = '198.51.100.10';
const EMAIL = { enabled: true, from: 'floodwatch@example.net', to: ['noc@example.net'], smtp: { host: '127.0.0.1', port: 25, secure: false, starttls: false } };
const MANUAL = ['198.51.100.20', '198.51.100.21'];
const teardown = new Teardown();
let dir: string;
let stateDir: string;
let daemon: DaemonProcess;
/** The attack as the API showed it just before SIGTERM. */
let attackBefore: AttackRecord;
let exit: { code: number | null; signal: NodeJS.Signals | null };
let stopMs: number;

/** A TCP server on 127.0.0.1 that accepts connections and never says a word. */
async function startSilentServer(): Promise<{ port: number; accepted: () => number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    accepted: () => accepted,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'floodwatch-daemon-shutdown-'));
  teardown.defer(() => rmSync(dir, { recursive: true, force: true }));
  stateDir = join(dir, 'state');
  const smtp = await startSilentServer();
  teardown.defer(smtp.close);
  const port = await freeUdpPort();
  const email = { ...EMAIL, smtp: { ...EMAIL.smtp, port: smtp.port } };
  const config = writeConfig(join(dir, 'floodwatch.yaml'), daemonConfig({ stateDir, port, banSeconds: 600, email }));
  daemon = await DaemonProcess.start(config);
  teardown.defer(() => daemon.kill());
  const api = await daemon.apiUrl();

  await softflowd(writeCapture(join(dir, 'syn-flood.pcap'), stream(3000, 3, synFlood(FLOODED))).path, port, 10);
  const [attack] = await waitFor('the attack recorded', () => attacksOn(stateDir, FLOODED)[0] && attacksOn(stateDir, FLOODED));
  for (const ip of MANUAL) {
    const response = await fetch(`${api}/bans`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ip, comment: 'shutdown test' }),
    });
    expect(response.status, await response.text()).toBe(201);
  }
  // Each host's ban is on its way to the server that never answers.
  await waitFor('three SMTP connections', () => smtp.accepted() >= 3);
  // Its unban waits behind its ban.
  const lifted = await fetch(`${api}/bans/${MANUAL[1]}`, { method: 'DELETE' });
  expect(lifted.status, await lifted.text()).toBe(200);
  attackBefore = await getJson<AttackRecord>(`${api}/attacks/${attack.id}`);

  const started = Date.now();
  // Not killed before it exits on its own: the test measures how long that takes.
  exit = await daemon.stop(120_000);
  stopMs = Date.now() - started;
}, 180_000);

afterAll(() => teardown.run());

describe('floodwatch run stopped by SIGTERM while an SMTP server does not answer', () => {
  it('exits within a few seconds, with status 0', () => {
    expect(exit).toEqual({ code: 0, signal: null });
    // It took 25 s and more, waiting for the SMTP time limits.
    expect(stopMs).toBeLessThan(10_000);
  });

  it('leaves every ban and the attack under way on disk', () => {
    expect(
      readBans(stateDir)
        .map((ban) => ban.ip)
        .sort(),
    ).toEqual([FLOODED, MANUAL[0]]);
    const [saved] = attacksOn(stateDir, FLOODED);
    expect(saved).toMatchObject({ id: attackBefore.id, ip: FLOODED, direction: 'incoming', type: attackBefore.type });
    expect(saved.peak.pps).toBeGreaterThanOrEqual(attackBefore.peak.pps);
  });

  it('saves the state before it waits for the actions, and names the events it left undelivered', () => {
    const saved = daemon.logs.findIndex((line) => line.msg === 'state saved');
    const busy = daemon.logs.findIndex((line) => line.msg.startsWith('actions still busy'));
    expect(saved).toBeGreaterThanOrEqual(0);
    expect(busy).toBeGreaterThan(saved);
    expect(daemon.logs[saved]).toMatchObject({ state_dir: stateDir, bans: 2, attacks_under_way: expect.any(Number) });
    const undelivered = daemon.logs[busy].undelivered as { action: string; event: string; ip: string }[];
    for (const ip of [FLOODED, ...MANUAL]) expect(undelivered).toContainEqual(expect.objectContaining({ action: 'email', event: 'ban', ip }));
    expect(undelivered).toContainEqual(expect.objectContaining({ action: 'email', event: 'unban', ip: MANUAL[1] }));
    expect(daemon.logged(/^stopping without the \d+ undelivered events/)).toHaveLength(1);
  });

  it('keeps the undelivered events for the next start, but not the bans still active (every active ban is sent again anyway)', () => {
    const { events } = JSON.parse(readFileSync(join(stateDir, 'undelivered-events.json'), 'utf8')) as {
      events: { integration: string; event: { kind: string; ip: string } }[];
    };
    const kept = events.map(({ integration, event }) => `${integration} ${event.kind} ${event.ip}`);
    expect(kept).toContain(`email ban ${MANUAL[1]}`);
    expect(kept).toContain(`email unban ${MANUAL[1]}`);
    expect(kept).not.toContain(`email ban ${MANUAL[0]}`);
    expect(kept).not.toContain(`email ban ${FLOODED}`);
  });

  it('sends them at the next start, once the SMTP server answers: the unban of a ban lifted before the shutdown too', async () => {
    const smtp = await startSmtpServer({ authOptional: true });
    teardown.defer(smtp.close);
    const config = writeConfig(
      join(dir, 'floodwatch-restarted.yaml'),
      daemonConfig({ stateDir, port: await freeUdpPort(), banSeconds: 600, email: { ...EMAIL, smtp: { ...EMAIL.smtp, port: smtp.port } } }),
    );
    const restarted = await DaemonProcess.start(config);
    teardown.defer(() => restarted.kill());
    const subjects = () => smtp.received.map((mail) => mailHeader(mail.raw, 'subject') ?? '');
    await waitFor(`the unban of ${MANUAL[1]} by e-mail`, () => subjects().some((subject) => /unban/i.test(subject) && subject.includes(MANUAL[1]!)));
    await waitFor('the bans still active by e-mail', () => [FLOODED, MANUAL[0]!].every((ip) => subjects().some((subject) => subject.includes(ip))));
    expect(existsSync(join(stateDir, 'undelivered-events.json'))).toBe(false);
    expect(restarted.logged(/^events undelivered at the last shutdown sent again/)[0]).toMatchObject({ resent: expect.any(Number) });
  }, 60_000);
});
