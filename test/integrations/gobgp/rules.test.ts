// What a ban announces, without a daemon: the FlowSpec rule from the attack record, the blackhole
// routes from the configuration, their Path form, and the resync plan.
import { describe, expect, it } from 'vitest';
import { isRouteOfBans, looksLikeFloodwatchRoute, parseCommunity, parseLargeCommunity, routesForBan } from '../../../ts/integrations/gobgp/announcements.js';
import { describeRule, flowspecRuleFor } from '../../../ts/integrations/gobgp/flowspec.js';
import { describeRoute, fromApiPath, routeKey, toApiPath, type Route } from '../../../ts/integrations/gobgp/paths.js';
import { planResync } from '../../../ts/integrations/gobgp/resync.js';
import type { AttackRecord } from '../../../ts/attacks/types.js';
import { sampleAttack, sampleBan } from '../support.js';
import { FLOWSPEC_GROUP, gobgpConfig, ntpAmplification } from './support.js';

const policy = (overrides?: Parameters<typeof gobgpConfig>[1]) => ({
  config: gobgpConfig('127.0.0.1:50051', overrides),
  flowspecFor: (hostgroup: string) => hostgroup === FLOWSPEC_GROUP,
});

describe('flowspecRuleFor', () => {
  it('matches NTP amplification by UDP source port 123 and the size of the replies', () => {
    const attack = sampleAttack(ntpAmplification('203.0.113.10'));
    // 374.4 Mbit/s over 100000 packets/s: 468-byte packets; the rule takes half of that and up.
    expect(describeRule(flowspecRuleFor('203.0.113.10', 4, 'incoming', attack))).toBe('dst 203.0.113.10/32 proto =17 sport =123 length >=234');
  });

  it('matches a SYN flood by TCP, its dominant destination port and SYN without ACK', () => {
    const attack = sampleAttack({
      type: 'syn_flood',
      top_destination_ports: [
        { key: 'tcp/443', packets: 1990, bytes: 119400 },
        { key: 'tcp/80', packets: 10, bytes: 600 },
      ],
    });
    expect(describeRule(flowspecRuleFor('203.0.113.10', 4, 'incoming', attack))).toBe('dst 203.0.113.10/32 proto =6 dport =443 tcp-flags =0x2&!0x10');
  });

  it('leaves out a destination port that does not dominate, and names ICMPv6 on IPv6', () => {
    const spread = [
      { key: '80', packets: 50, bytes: 1 },
      { key: '443', packets: 50, bytes: 1 },
    ];
    expect(describeRule(flowspecRuleFor('2001:db8::10', 6, 'incoming', sampleAttack({ type: 'udp_flood', top_destination_ports: spread })))).toBe(
      'dst 2001:db8::10/128 proto =17',
    );
    expect(describeRule(flowspecRuleFor('2001:db8::10', 6, 'incoming', sampleAttack({ type: 'icmp_flood' })))).toBe('dst 2001:db8::10/128 proto =58');
  });

  it('matches fragments, and the protocol that carries nearly all of an unclassified attack', () => {
    const fragments = sampleAttack({ type: 'ip_fragmentation', peak: { pps: 1000, mbps: 1, flows: 1 }, protocols: { udp: { pps: 990, mbps: 1 } } });
    expect(describeRule(flowspecRuleFor('198.51.100.1', 4, 'incoming', fragments))).toBe('dst 198.51.100.1/32 proto =17 fragment =0x2');
    const mixed = sampleAttack({
      type: 'unknown',
      peak: { pps: 1000, mbps: 1, flows: 1 },
      protocols: { udp: { pps: 600, mbps: 1 }, tcp: { pps: 400, mbps: 1 } },
    });
    expect(describeRule(flowspecRuleFor('198.51.100.1', 4, 'incoming', mixed))).toBe('dst 198.51.100.1/32');
  });

  it('matches the host alone without an attack record, and as the source when the flood is outgoing', () => {
    expect(describeRule(flowspecRuleFor('198.51.100.1', 4, 'incoming', null))).toBe('dst 198.51.100.1/32');
    expect(describeRule(flowspecRuleFor('198.51.100.1', 4, 'outgoing', sampleAttack({ type: 'udp_flood', top_destination_ports: [] })))).toBe(
      'src 198.51.100.1/32 proto =17',
    );
  });
});

describe('routesForBan', () => {
  it('announces the host and its subnet with their own communities and the next hop of the family', () => {
    const routes = routesForBan(sampleBan({ ip: '203.0.113.10' }), null, policy());
    expect(routes).toEqual([
      {
        kind: 'unicast',
        family: 4,
        address: '203.0.113.10',
        length: 32,
        nextHop: '192.0.2.1',
        communities: [4227858532, 4294902426],
        largeCommunities: [{ globalAdmin: 64512, localData1: 666, localData2: 1 }],
      },
      {
        kind: 'unicast',
        family: 4,
        address: '203.0.113.0',
        length: 24,
        nextHop: '192.0.2.1',
        communities: [4227858456],
        largeCommunities: [{ globalAdmin: 64512, localData1: 666, localData2: 24 }],
      },
    ]);
    const v6 = routesForBan(sampleBan({ ip: '2001:DB8:0::10' }), null, policy());
    expect(v6.map(routeKey)).toEqual(['ipv6-unicast 2001:db8::10/128', 'ipv6-unicast 2001:db8::/64']);
    expect(v6[0]).toMatchObject({ nextHop: '100::1' });
  });

  it('gives a FlowSpec hostgroup the rule instead of the blackhole, or both with blackhole_too', () => {
    const ban = sampleBan({ ip: '203.0.113.10', hostgroup: FLOWSPEC_GROUP });
    const attack = sampleAttack(ntpAmplification('203.0.113.10'));
    expect(routesForBan(ban, attack, policy()).map(routeKey)).toEqual(['ipv4-flowspec dst 203.0.113.10/32 proto =17 sport =123 length >=234']);
    const both = routesForBan(
      ban,
      attack,
      policy((c) => (c.flowspec.blackhole_too = true)),
    );
    expect(both.map(routeKey)).toEqual([
      'ipv4-unicast 203.0.113.10/32',
      'ipv4-unicast 203.0.113.0/24',
      'ipv4-flowspec dst 203.0.113.10/32 proto =17 sport =123 length >=234',
    ]);
    const rateLimited = routesForBan(
      ban,
      attack,
      policy((c) => Object.assign(c.flowspec, { action: 'rate_limit', rate_limit_bytes_per_second: 125000 })),
    );
    expect(rateLimited[0]).toMatchObject({ kind: 'flowspec', rate: 125000 });
    expect(
      routesForBan(
        ban,
        attack,
        policy((c) => (c.flowspec.enabled = false)),
      ).map(routeKey),
    ).toEqual(['ipv4-unicast 203.0.113.10/32', 'ipv4-unicast 203.0.113.0/24']);
  });

  it('reads communities as BGP carries them', () => {
    expect(parseCommunity('65535:666')).toBe(4294902426);
    expect(parseLargeCommunity('4200000000:1:2')).toEqual({ globalAdmin: 4200000000, localData1: 1, localData2: 2 });
    expect(() => parseCommunity('65536:1')).toThrow(/out of range/);
  });
});

describe('Path messages', () => {
  it('read back as the routes they were built from', () => {
    const ban = sampleBan({ ip: '2001:db8::10', hostgroup: FLOWSPEC_GROUP });
    const routes = routesForBan(
      ban,
      sampleAttack({ type: 'syn_flood' }),
      policy((c) => (c.flowspec.blackhole_too = true)),
    );
    for (const route of routes) expect(fromApiPath(toApiPath(route))).toEqual(route);
  });

  it('use NEXT_HOP for IPv4 unicast and MP_REACH otherwise, with a next hop even on FlowSpec', () => {
    const [v4] = routesForBan(sampleBan({ ip: '203.0.113.10' }), null, policy());
    expect(toApiPath(v4!).pattrs.map((a) => a.type_url.split('.').pop())).toEqual([
      'OriginAttribute',
      'NextHopAttribute',
      'CommunitiesAttribute',
      'LargeCommunitiesAttribute',
    ]);
    const [rule] = routesForBan(sampleBan({ ip: '203.0.113.10', hostgroup: FLOWSPEC_GROUP }), null, policy());
    const path = toApiPath(rule!);
    expect(path.family).toEqual({ afi: 'AFI_IP', safi: 'SAFI_FLOW_SPEC_UNICAST' });
    expect(path.pattrs.map((a) => a.type_url.split('.').pop())).toEqual(['OriginAttribute', 'MpReachNLRIAttribute', 'ExtendedCommunitiesAttribute']);
  });
});

describe('planResync', () => {
  const config = gobgpConfig('127.0.0.1:50051');
  const routes = (ip: string, hostgroup = 'customers'): Route[] => routesForBan(sampleBan({ ip, hostgroup }), null, policy());
  const ours = (route: Route) => looksLikeFloodwatchRoute(route, config);

  it('announces what is missing or different, withdraws what no ban announces, keeps the rest', () => {
    const desired = [...routes('203.0.113.10'), ...routes('203.0.113.20')];
    const changed = { ...desired[0]!, communities: [1] } as Route;
    const stale = routes('198.51.100.7');
    const foreign: Route = { kind: 'unicast', family: 4, address: '10.0.0.0', length: 8, nextHop: '10.1.1.1', communities: [], largeCommunities: [] };
    const plan = planResync(desired, [changed, desired[1]!, ...stale, foreign], ours);
    // The shared /24 is announced once.
    expect(plan.announce.map(routeKey)).toEqual(['ipv4-unicast 203.0.113.10/32', 'ipv4-unicast 203.0.113.20/32']);
    expect(plan.withdraw.map(routeKey)).toEqual(['ipv4-unicast 198.51.100.7/32', 'ipv4-unicast 198.51.100.0/24']);
  });

  it('recognises its FlowSpec rules by host prefix and action', () => {
    const [rule] = routes('203.0.113.10', FLOWSPEC_GROUP);
    expect(ours(rule!)).toBe(true);
    expect(ours({ ...rule!, rate: 1000 } as Route)).toBe(false);
  });
});

describe('isRouteOfBans (the bans other members of a cluster hold)', () => {
  const routes = (ip: string, hostgroup = 'customers', attack: AttackRecord | null = null): Route[] =>
    routesForBan(sampleBan({ ip, hostgroup }), attack, policy());

  it("takes a ban's host route and covering subnet as its own, not a neighbour's host route", () => {
    const held = [sampleBan({ ip: '203.0.113.10' })];
    const [host, subnet] = routes('203.0.113.10');
    expect(isRouteOfBans(host!, held, policy())).toBe(true);
    expect(isRouteOfBans(subnet!, held, policy())).toBe(true);
    expect(isRouteOfBans(routes('203.0.113.20')[0]!, held, policy())).toBe(false);
    expect(isRouteOfBans(host!, [], policy())).toBe(false);
  });

  it("takes any FlowSpec rule for the host as the ban's, however its member's attack narrowed it", () => {
    const attack = sampleAttack({ hostgroup: FLOWSPEC_GROUP, ...ntpAmplification('203.0.113.10') });
    const [narrowed] = routes('203.0.113.10', FLOWSPEC_GROUP, attack);
    expect(describeRoute(narrowed!)).toContain('sport =123');
    expect(isRouteOfBans(narrowed!, [sampleBan({ ip: '203.0.113.10', hostgroup: FLOWSPEC_GROUP })], policy())).toBe(true);
    expect(isRouteOfBans(narrowed!, [sampleBan({ ip: '203.0.113.11', hostgroup: FLOWSPEC_GROUP })], policy())).toBe(false);
  });
});
