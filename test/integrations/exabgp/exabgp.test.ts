// The ExaBGP action in pipe mode against real daemons on loopback: ExaBGP 4.2 on 127.0.0.2, its
// API pipe under the test's directory, peered with gobgpd on 127.0.0.1; what floodwatch
// announces is read back from gobgpd's tables.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ActionDispatcher } from '../../../ts/integrations/dispatcher.js';
import { ExabgpAction } from '../../../ts/integrations/exabgp/action.js';
import { sampleAttack } from '../support.js';
import { eventually, Exabgp, Gobgpd, type RibRoute } from '../../support/exabgp.js';
import { BanBook, exabgpConfig, memoryLogger, ntpAttack } from './support.js';

const dir = mkdtempSync(join(tmpdir(), 'floodwatch-exabgp-'));
// Unique, so that ExaBGP never picks up the pipes of a system-wide ExaBGP in /run/exabgp/.
const pipeName = `floodwatch-test-${randomBytes(4).toString('hex')}`;
const started: { stop(): Promise<void> }[] = [];
const book = new BanBook();
const { logger, records } = memoryLogger();
let gobgpd: Gobgpd;
let exabgp: Exabgp;
let action: ExabgpAction;

const blackhole = {
  communities: ['65535:666', '65001:7'],
  large_communities: ['65001:666:1'],
  subnet: { enabled: true, ipv4_length: 24, ipv6_length: 64, communities: ['65001:24'], large_communities: [] },
};

async function startGobgpd(restart = false): Promise<void> {
  gobgpd = restart ? await gobgpd.restart(dir) : await Gobgpd.start(dir);
  started.push(gobgpd);
}

async function startExabgp(): Promise<void> {
  exabgp = await Exabgp.start(dir, { peerPort: gobgpd.bgpPort, pipeName });
  started.push(exabgp);
  await eventually('ExaBGP to peer with gobgpd', () => gobgpd.established());
  await eventually('ExaBGP to read its pipe', () => exabgp.readingPipe());
}

function hostRoutes(routes: RibRoute[]): string[] {
  return routes.map((route) => route.prefix).sort();
}

beforeAll(async () => {
  await startGobgpd();
  await startExabgp();
  action = new ExabgpAction(
    exabgpConfig({ mode: 'pipe', pipe: exabgp.pipe!, blackhole, flowspec: { enabled: true, blackhole_too: false } }),
    { log: logger, ...book, flowspecFor: (hostgroup) => hostgroup === 'customers-web' },
    { probeIntervalMs: 200 },
  );
  await action.start();
  started.push(action);
});

afterAll(async () => {
  for (const daemon of started.reverse()) await daemon.stop().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
});

afterEach((context) => {
  if (context.task.result?.state !== 'fail') return;
  console.log(`--- ExaBGP's log\n${exabgp?.log()}\n--- gobgpd's log\n${gobgpd?.log().slice(-4000)}`);
  console.log(`--- floodwatch's log\n${records.map((r) => JSON.stringify(r)).join('\n')}`);
});

describe('ExaBGP action, pipe mode', () => {
  it('announces a banned host with its next hop and communities, and the covering subnet; withdraws them at unban', async () => {
    await action.run(book.ban('203.0.113.10'));
    await action.run(book.ban('2001:db8:1::10'));
    await eventually('the routes in gobgpd', async () => (await gobgpd.routes('ipv4')).length === 2 && (await gobgpd.routes('ipv6')).length === 2);
    const byPrefix = (a: RibRoute, b: RibRoute) => a.prefix.localeCompare(b.prefix);
    expect((await gobgpd.routes('ipv4')).sort(byPrefix)).toEqual([
      { prefix: '203.0.113.0/24', nextHop: '192.0.2.1', communities: ['65001:24'], largeCommunities: [] },
      { prefix: '203.0.113.10/32', nextHop: '192.0.2.1', communities: ['65535:666', '65001:7'], largeCommunities: ['65001:666:1'] },
    ]);
    expect((await gobgpd.routes('ipv6')).sort(byPrefix)).toEqual([
      { prefix: '2001:db8:1::/64', nextHop: '100::1', communities: ['65001:24'], largeCommunities: [] },
      { prefix: '2001:db8:1::10/128', nextHop: '100::1', communities: ['65535:666', '65001:7'], largeCommunities: ['65001:666:1'] },
    ]);

    await action.run(book.unban('203.0.113.10'));
    await action.run(book.unban('2001:db8:1::10'));
    await eventually('the routes gone from gobgpd', async () => (await gobgpd.routes('ipv4')).length === 0 && (await gobgpd.routes('ipv6')).length === 0);
  });

  it('keeps the subnet route until the last ban inside it is lifted', async () => {
    await action.run(book.ban('203.0.113.11'));
    await action.run(book.ban('203.0.113.12'));
    await eventually('both hosts in gobgpd', async () => (await gobgpd.routes('ipv4')).length === 3);
    await action.run(book.unban('203.0.113.11'));
    await eventually('one host left', async () => hostRoutes(await gobgpd.routes('ipv4')).join() === '203.0.113.0/24,203.0.113.12/32');
    await action.run(book.unban('203.0.113.12'));
    await eventually('the subnet gone', async () => (await gobgpd.routes('ipv4')).length === 0);
  });

  it("sends an NTP amplification rule to gobgpd's FlowSpec tables in place of the host route, and withdraws it", async () => {
    await action.run(book.ban('203.0.113.30', sampleAttack({ ip: '203.0.113.30', type: 'unknown' })));
    await eventually('the host route', async () => hostRoutes(await gobgpd.routes('ipv4')).includes('203.0.113.30/32'));
    await action.run(book.details('203.0.113.30', ntpAttack('203.0.113.30')));
    await action.run(book.ban('2001:db8:1::30', ntpAttack('2001:db8:1::30')));
    await eventually('the rules in gobgpd', async () => (await gobgpd.flowspec('ipv4')).length === 1 && (await gobgpd.flowspec('ipv6')).length === 1);
    expect(await gobgpd.flowspec('ipv4')).toEqual([{ rule: '[destination: 203.0.113.30/32][protocol: ==udp][source-port: ==123]', action: 'discard' }]);
    expect(await gobgpd.flowspec('ipv6')).toEqual([{ rule: '[destination: 2001:db8:1::30/128/0][protocol: ==udp][source-port: ==123]', action: 'discard' }]);
    // blackhole_too is off: the rule replaces the host route; the subnet route stays.
    await eventually('the host route withdrawn', async () => hostRoutes(await gobgpd.routes('ipv4')).join() === '203.0.113.0/24');
    expect(hostRoutes(await gobgpd.routes('ipv6'))).toEqual(['2001:db8:1::/64']);

    await action.run(book.unban('203.0.113.30'));
    await action.run(book.unban('2001:db8:1::30'));
    await eventually(
      'the rules and routes gone',
      async () =>
        (await gobgpd.flowspec('ipv4')).length === 0 &&
        (await gobgpd.flowspec('ipv6')).length === 0 &&
        (await gobgpd.routes('ipv4')).length === 0 &&
        (await gobgpd.routes('ipv6')).length === 0,
    );
  });

  it('rate-limits instead of discarding when configured', async () => {
    const rateLimiting = new ExabgpAction(
      exabgpConfig({
        mode: 'pipe',
        pipe: exabgp.pipe!,
        flowspec: { enabled: true, action: 'rate_limit', rate_limit_bytes_per_second: 125000, blackhole_too: true },
      }),
      { log: logger, ...book, flowspecFor: () => true },
    );
    await rateLimiting.run(book.ban('2001:db8:1::31', ntpAttack('2001:db8:1::31')));
    await eventually('the rule in gobgpd', async () => (await gobgpd.flowspec('ipv6')).length === 1);
    expect((await gobgpd.flowspec('ipv6'))[0]!.action).toBe('rate-limit 125000');
    expect(hostRoutes(await gobgpd.routes('ipv6'))).toContain('2001:db8:1::31/128');
    await rateLimiting.run(book.unban('2001:db8:1::31'));
    await eventually('the rule gone', async () => (await gobgpd.flowspec('ipv6')).length === 0 && (await gobgpd.routes('ipv6')).length === 0);
  });

  it('gets the routes back when gobgpd restarts: ExaBGP announces what it holds again', async () => {
    await action.run(book.ban('203.0.113.50'));
    await eventually('the route in gobgpd', async () => hostRoutes(await gobgpd.routes('ipv4')).includes('203.0.113.50/32'));
    await startGobgpd(true);
    await eventually('the route back in the new gobgpd', async () => hostRoutes(await gobgpd.routes('ipv4')).includes('203.0.113.50/32'), 30_000);
    await action.run(book.unban('203.0.113.50'));
    await eventually('the route gone', async () => (await gobgpd.routes('ipv4')).length === 0);
  });

  it('while ExaBGP is down: a clear error, retries, and every active ban announced again once it is back', async () => {
    await action.run(book.ban('203.0.113.40'));
    await eventually('the route in gobgpd', async () => hostRoutes(await gobgpd.routes('ipv4')).includes('203.0.113.40/32'));

    await exabgp.stop();
    await eventually('gobgpd to lose the route with the session', async () => (await gobgpd.routes('ipv4')).length === 0);
    await expect(action.run(book.ban('203.0.113.41'))).rejects.toThrow(
      `no ExaBGP is reading ${exabgp.pipe}: is it running with exabgp_api_pipename=${pipeName}?`,
    );
    const dispatcher = new ActionDispatcher([action], logger, { retry: { attempts: 30, baseDelayMs: 200, maxDelayMs: 400 } });
    dispatcher.dispatch(book.ban('203.0.113.42'));
    await eventually('the dispatcher to retry', () => records.some((r) => r.msg === 'action failed; will retry'));
    const retried = records.find((r) => r.msg === 'action failed; will retry')?.err as { message: string };
    expect(retried.message).toContain('no ExaBGP is reading');

    await startExabgp();
    await eventually(
      'every active ban back in gobgpd',
      async () => hostRoutes(await gobgpd.routes('ipv4')).join() === '203.0.113.0/24,203.0.113.40/32,203.0.113.41/32,203.0.113.42/32',
    );
    expect(await dispatcher.drain(10_000)).toBe(true);
    expect(dispatcher.counters().exabgp).toMatchObject({ successes: 1, failures: 0 });
    expect(records.some((r) => r.msg.endsWith('active bans announced') && r.msg.includes(exabgp.pipe!))).toBe(true);

    for (const ip of ['203.0.113.40', '203.0.113.41', '203.0.113.42']) await action.run(book.unban(ip));
    await eventually('the routes gone', async () => (await gobgpd.routes('ipv4')).length === 0);
  });

  it('had none of its commands refused by ExaBGP', () => {
    expect(records.filter((r) => r.msg.startsWith('ExaBGP refused'))).toEqual([]);
    expect(exabgp.log()).not.toContain('not understood');
  });
});
