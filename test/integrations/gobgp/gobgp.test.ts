// The gobgp action against real daemons on loopback: gobgpd (the one floodwatch talks to) peered
// with a second gobgpd and with BIRD 2; what they receive is read with `gobgp` and `birdc`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ActionDispatcher } from '../../../ts/integrations/dispatcher.js';
import { GobgpAction } from '../../../ts/integrations/gobgp/action.js';
import { GobgpClient } from '../../../ts/integrations/gobgp/client.js';
import { describeRoute, toApiPath, type UnicastRoute } from '../../../ts/integrations/gobgp/paths.js';
import { banEvent, type BanEvent } from '../../../ts/integrations/types.js';
import { Bird } from '../../support/bird.js';
import { eventually, freeTcpPort, Gobgpd, type RibPath } from '../../support/gobgpd.js';
import { memoryLogger } from '../support.js';
import { BanBook, FLOWSPEC_GROUP, gobgpConfig, ntpAmplification } from './support.js';

const ASN = 64512;
const SPEAKER = '127.0.0.1';
const PEER = '127.0.0.2';
const BIRD = '127.0.0.3';
const BLACKHOLE = 4294902426; // 65535:666
const CUSTOMER = 4227858532; // 64512:100
const SUBNET = 4227858456; // 64512:24

let dir: string;
let speaker: Gobgpd | undefined;
let peer: Gobgpd | undefined;
let bird: Bird | undefined;
let action: GobgpAction | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'floodwatch-gobgp-'));
  const [speakerBgp, peerBgp, birdBgp, speakerApi, peerApi] = await Promise.all([
    freeTcpPort(SPEAKER),
    freeTcpPort(PEER),
    freeTcpPort(BIRD),
    freeTcpPort(),
    freeTcpPort(),
  ]);
  const started = await Promise.allSettled([
    Gobgpd.start({
      dir,
      name: 'speaker',
      address: SPEAKER,
      asn: ASN,
      bgpPort: speakerBgp,
      apiPort: speakerApi,
      neighbors: [
        { address: PEER, port: peerBgp, asn: ASN },
        { address: BIRD, port: birdBgp, asn: ASN, passive: true },
      ],
    }).then((d) => (speaker = d)),
    Gobgpd.start({
      dir,
      name: 'peer',
      address: PEER,
      asn: ASN,
      bgpPort: peerBgp,
      apiPort: peerApi,
      neighbors: [{ address: SPEAKER, port: speakerBgp, asn: ASN }],
    }).then((d) => (peer = d)),
    Bird.start({ dir, name: 'bird', address: BIRD, port: birdBgp, asn: ASN, neighbor: { address: SPEAKER, port: speakerBgp, asn: ASN } }).then(
      (d) => (bird = d),
    ),
  ]);
  for (const result of started) if (result.status === 'rejected') throw result.reason;
  // gobgpd dials its peers 5 to 10 s after it starts; BIRD within a second.
  await eventually('BGP sessions to the peer gobgpd and to BIRD', async () => (await peer!.established(SPEAKER)) && (await bird!.established()), 25_000);
}, 40_000);

afterEach(async () => {
  await action?.stop();
  action = undefined;
});

afterAll(async () => {
  await Promise.allSettled([speaker?.stop(), peer?.stop(), bird?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

function event(kind: BanEvent['kind'], entry: Pick<BanEvent, 'ban' | 'attack'>): BanEvent {
  return banEvent(kind, entry.ban, entry.attack);
}

function attribute(path: RibPath | undefined, type: number): Record<string, unknown> | undefined {
  return path?.attrs.find((a) => a.type === type);
}

describe('GobgpAction with gobgpd, a peer gobgpd and BIRD', () => {
  it('announces the host route and its subnet with next hop and communities; the unban withdraws them, the subnet last', async () => {
    const book = new BanBook();
    action = new GobgpAction(gobgpConfig(speaker!.api), book.deps());
    const first = book.add('203.0.113.10');
    const second = book.add('203.0.113.20');
    const v6 = book.add('2001:db8:1::10');
    for (const entry of [first, second, v6]) await action.run(event('ban', entry));

    const v4 = await eventually('the IPv4 routes at the peer', async () => {
      const rib = await peer!.rib('ipv4');
      return rib['203.0.113.10/32'] && rib['203.0.113.20/32'] && rib['203.0.113.0/24'] && rib;
    });
    const host = v4['203.0.113.10/32']![0];
    expect(attribute(host, 3)).toMatchObject({ nexthop: '192.0.2.1' });
    expect(attribute(host, 8)).toMatchObject({ communities: [CUSTOMER, BLACKHOLE] });
    expect(attribute(host, 32)).toMatchObject({ value: [{ ASN: 64512, LocalData1: 666, LocalData2: 1 }] });
    expect(attribute(v4['203.0.113.0/24']![0], 8)).toMatchObject({ communities: [SUBNET] });
    expect(attribute(v4['203.0.113.0/24']![0], 32)).toMatchObject({ value: [{ ASN: 64512, LocalData1: 666, LocalData2: 24 }] });

    const ipv6 = await eventually('the IPv6 routes at the peer', async () => {
      const rib = await peer!.rib('ipv6');
      return rib['2001:db8:1::10/128'] && rib['2001:db8:1::/64'] && rib;
    });
    expect(attribute(ipv6['2001:db8:1::10/128']![0], 14)).toMatchObject({ nexthop: '100::1' });
    expect(attribute(ipv6['2001:db8:1::10/128']![0], 8)).toMatchObject({ communities: [CUSTOMER, BLACKHOLE] });

    const master4 = await eventually('the host route in BIRD', async () => {
      const routes = await bird!.routes('master4');
      return routes.includes('203.0.113.10/32') && routes;
    });
    expect(master4).toMatch(
      /203\.0\.113\.10\/32[^]*?BGP\.next_hop: 192\.0\.2\.1[^]*?BGP\.community: \(64512,100\) \(65535,666\)[^]*?BGP\.large_community: \(64512, 666, 1\)/,
    );
    expect(await eventually('the IPv6 host route in BIRD', async () => (await bird!.routes('master6')).includes('2001:db8:1::10/128'))).toBe(true);

    book.remove(first.ban.ip);
    await action.run(event('unban', first));
    await eventually('the first host route to go', async () => !(await peer!.rib('ipv4'))['203.0.113.10/32']);
    // Another ban inside the /24 is still active.
    expect(Object.keys(await peer!.rib('ipv4')).sort()).toEqual(['203.0.113.0/24', '203.0.113.20/32']);

    book.remove(second.ban.ip);
    await action.run(event('unban', second));
    book.remove(v6.ban.ip);
    await action.run(event('unban', v6));
    await eventually(
      'every route to go from the peer',
      async () => Object.keys(await peer!.rib('ipv4')).length === 0 && Object.keys(await peer!.rib('ipv6')).length === 0,
    );
    await eventually(
      'every route to go from BIRD',
      async () => !(await bird!.routes('master4')).includes('203.0.113.') && !(await bird!.routes('master6')).includes('2001:db8:1::'),
    );
  });

  it('announces a FlowSpec rule from the attack details instead of the blackhole route, IPv4 and IPv6, and withdraws it at the unban', async () => {
    const book = new BanBook();
    action = new GobgpAction(gobgpConfig(speaker!.api), book.deps());
    // At the ban the attack is known by its counters only; its details come a few seconds later.
    const v4 = book.add('203.0.113.30', { type: 'udp_flood', top_source_ports: [], top_destination_ports: [] }, FLOWSPEC_GROUP);
    await action.run(event('ban', v4));
    await eventually('the first rule at the peer', async () => Object.keys(await peer!.rib('ipv4-flowspec')).some((rule) => rule.includes('203.0.113.30/32')));
    const details = book.add('203.0.113.30', ntpAmplification('203.0.113.30'), FLOWSPEC_GROUP);
    await action.run(event('attack_details', details));
    const v6 = book.add('2001:db8:2::30', ntpAmplification('2001:db8:2::30'), FLOWSPEC_GROUP);
    await action.run(event('ban', v6));

    const ntpRule = '[destination: 203.0.113.30/32][protocol: ==udp][source-port: ==123][packet-length: >=234]';
    const flow4 = await eventually('the NTP rule alone at the peer', async () => {
      const rib = await peer!.rib('ipv4-flowspec');
      return Object.keys(rib).length === 1 && rib[ntpRule] && rib;
    });
    expect(attribute(flow4[ntpRule]![0], 16)).toMatchObject({ value: [{ type: 128, subtype: 6, rate: 0 }] });
    const flow6 = await eventually('the IPv6 rule at the peer', async () => Object.keys(await peer!.rib('ipv6-flowspec')));
    expect(flow6).toHaveLength(1);
    expect(flow6[0]).toMatch(/\[destination: 2001:db8:2::30\/128[^\]]*\]\[protocol: ==udp\]\[source-port: ==123\]/);
    expect(Object.keys(await peer!.rib('ipv4'))).toEqual([]);

    const birdFlow4 = await eventually('the NTP rule in BIRD', async () => {
      const routes = await bird!.routes('flowtab4');
      return routes.includes('sport 123') && routes;
    });
    expect(birdFlow4).toContain('flow4 { dst 203.0.113.30/32; proto 17; sport 123; length >= 234; }');
    expect(birdFlow4).toMatch(/BGP\.ext_community: \(generic, 0x80060000, 0x0\)/);
    expect(await eventually('the IPv6 rule in BIRD', async () => (await bird!.routes('flowtab6')).includes('dst 2001:db8:2::30/128'))).toBe(true);

    for (const entry of [details, v6]) {
      book.remove(entry.ban.ip);
      await action.run(event('unban', entry));
    }
    await eventually(
      'the rules to go from the peer',
      async () => Object.keys(await peer!.rib('ipv4-flowspec')).length === 0 && Object.keys(await peer!.rib('ipv6-flowspec')).length === 0,
    );
    await eventually(
      'the rules to go from BIRD',
      async () => !(await bird!.routes('flowtab4')).includes('203.0.113.30') && !(await bird!.routes('flowtab6')).includes('2001:db8:2::30'),
    );
  });

  it('after floodwatch restarts, announces the active bans again and withdraws the route of a ban lifted meanwhile', async () => {
    const book = new BanBook();
    const kept = book.add('203.0.113.60');
    const lifted = book.add('198.51.100.60');
    const before = new GobgpAction(gobgpConfig(speaker!.api), book.deps());
    for (const entry of [kept, lifted]) await before.run(event('ban', entry));
    await before.stop();
    await eventually('both routes at the peer', async () => Object.keys(await peer!.rib('ipv4')).includes('198.51.100.60/32'));

    // The unban happened while floodwatch was down: the new process never hears of that ban.
    book.remove(lifted.ban.ip);
    action = new GobgpAction(gobgpConfig(speaker!.api), book.deps());
    action.start();
    await eventually('the lifted ban to be withdrawn', async () => {
      const rib = await peer!.rib('ipv4');
      return !rib['198.51.100.60/32'] && !rib['198.51.100.0/24'] && rib['203.0.113.60/32'] && rib['203.0.113.0/24'];
    });
    await action.stop();
    book.remove(kept.ban.ip);
    action = new GobgpAction(gobgpConfig(speaker!.api), book.deps());
    expect(await action.resync()).toMatchObject({ announce: [], withdraw: [expect.anything(), expect.anything()] });
    await eventually('no route left at the peer', async () => Object.keys(await peer!.rib('ipv4')).length === 0);
  });

  it('in a cluster sharing gobgpd, keeps the routes of bans other members hold: at its first resync, and when it hands a ban over', async () => {
    const owner = new BanBook();
    const banned = owner.add('203.0.113.90');
    const first = new GobgpAction(gobgpConfig(speaker!.api), owner.deps());
    await first.run(event('ban', banned));
    await eventually('the routes at the peer', async () => (await peer!.rib('ipv4'))['203.0.113.90/32']);

    // Another member starts on the same gobgpd: its first resync reads the whole table.
    const other = new BanBook();
    other.elsewhere = [banned.ban];
    action = new GobgpAction(gobgpConfig(speaker!.api), other.deps());
    expect(await action.resync()).toMatchObject({ wholeTables: true, announce: [], withdraw: [] });

    // The ban is handed over to the other member: the first lets its routes be.
    owner.remove(banned.ban.ip);
    owner.elsewhere = [banned.ban];
    await first.run(event('unban', banned));
    expect(Object.keys(await speaker!.rib('ipv4'))).toEqual(expect.arrayContaining(['203.0.113.90/32', '203.0.113.0/24']));
    expect(owner.log.records.map((r) => r.msg)).toContain('route kept: another member of the cluster holds the ban now');

    // Once no member holds it, a resync withdraws the routes.
    owner.elsewhere = [];
    expect((await first.resync()).withdraw).toHaveLength(2);
    await first.stop();
    await eventually('no route left at the peer', async () => Object.keys(await peer!.rib('ipv4')).length === 0);
  });

  it("reads gobgpd's whole tables at start only, then looks up its own prefixes, and still mends a route gone missing", async () => {
    // Routes floodwatch did not announce, as a peer's full table would put in gobgpd's RIB.
    const other = new GobgpClient(speaker!.api);
    const foreign: UnicastRoute[] = Array.from({ length: 500 }, (_, i) => ({
      kind: 'unicast',
      family: 4,
      address: `10.77.${i >> 8}.${i & 255}`,
      length: 32,
      nextHop: '192.0.2.99',
      communities: [],
      largeCommunities: [],
    }));
    try {
      for (const route of foreign) await other.addPath(toApiPath(route), describeRoute(route));
      const book = new BanBook();
      book.add('203.0.113.80');
      action = new GobgpAction(gobgpConfig(speaker!.api), book.deps());

      const first = await action.resync();
      expect(first).toMatchObject({ wholeTables: true, withdraw: [] });
      expect(first.announce).toHaveLength(2);
      expect(first.pathsRead).toBeGreaterThanOrEqual(foreign.length);

      const second = await action.resync();
      expect(second).toMatchObject({ wholeTables: false, announce: [], withdraw: [], pathsRead: 2 });

      const [host] = first.announce.filter((r) => r.kind === 'unicast' && r.length === 32);
      await other.deletePath(toApiPath(host!), describeRoute(host!));
      const third = await action.resync();
      expect(third).toMatchObject({ wholeTables: false, withdraw: [], pathsRead: 1 });
      expect(third.announce.map(describeRoute)).toEqual([describeRoute(host!)]);
      expect(Object.keys(await speaker!.rib('ipv4'))).toContain('203.0.113.80/32');

      book.remove('203.0.113.80');
      expect((await action.resync()).withdraw).toHaveLength(2);
    } finally {
      for (const route of foreign) await other.deletePath(toApiPath(route), describeRoute(route)).catch(() => {});
      other.close();
    }
    await eventually('the foreign routes to go from the peer', async () => Object.keys(await peer!.rib('ipv4')).length === 0);
  });

  it('announces the active bans again when gobgpd comes back from a crash, through the resync loop', async () => {
    const book = new BanBook();
    book.add('203.0.113.40');
    book.add('2001:db8:4::40');
    action = new GobgpAction(gobgpConfig(speaker!.api), book.deps());
    // No run(): the first resync, at start, announces the bans (as after a floodwatch restart).
    action.start();
    await eventually('the route in BIRD', async () => (await bird!.routes('master4')).includes('203.0.113.40/32'));

    await speaker!.kill();
    await eventually('BIRD to lose the route with the session', async () => !(await bird!.routes('master4')).includes('203.0.113.40/32'));
    await speaker!.start();
    await eventually('the routes back in gobgpd', async () => {
      const [v4, v6] = await Promise.all([speaker!.rib('ipv4'), speaker!.rib('ipv6')]);
      return v4['203.0.113.40/32'] && v4['203.0.113.0/24'] && v6['2001:db8:4::40/128'];
    });
    await eventually('the route back in BIRD', async () => (await bird!.routes('master4')).includes('203.0.113.40/32'), 20_000);
    expect(book.log.records.some((r) => r.msg.includes('did not match the active bans'))).toBe(true);
  });

  it('rejects with a clear error while gobgpd is hung or down, and the dispatcher retries the ban until gobgpd is back', async () => {
    const book = new BanBook();
    const hung = book.add('203.0.113.70');
    action = new GobgpAction(gobgpConfig(speaker!.api), book.deps(), { client: { deadlineMs: 500 } });
    speaker!.pause();
    try {
      await expect(action.run(event('ban', hung))).rejects.toThrow(
        `cannot reach gobgpd at ${speaker!.api}: no answer within 500 ms (is it running with --api-hosts ${speaker!.api}, and not hung?)`,
      );
    } finally {
      speaker!.resume();
    }

    await speaker!.stop();
    const { logger, records } = memoryLogger();
    const dispatcher = new ActionDispatcher([action], logger, { retry: { attempts: 30, baseDelayMs: 100, maxDelayMs: 500 } });
    const down = book.add('203.0.113.80');
    dispatcher.dispatch(event('ban', down));
    const retry = await eventually('a failed attempt', () => records.find((r) => r.msg === 'action failed; will retry'));
    expect((retry.err as { message: string }).message).toMatch(
      /^cannot reach gobgpd at 127\.0\.0\.1:\d+: is it running with --api-hosts 127\.0\.0\.1:\d+\? \(.+\)$/,
    );

    await speaker!.start();
    expect(await dispatcher.drain(20_000)).toBe(true);
    expect(dispatcher.counters().gobgp).toMatchObject({ successes: 1, failures: 0 });
    expect(Object.keys(await speaker!.rib('ipv4'))).toContain('203.0.113.80/32');
    await eventually('the ban in BIRD', async () => (await bird!.routes('master4')).includes('203.0.113.80/32'), 20_000);
  });
});
