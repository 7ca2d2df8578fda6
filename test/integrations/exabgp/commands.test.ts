// The text of ExaBGP's commands, the FlowSpec rule drawn from an attack, and which commands each
// event gives. What ExaBGP and gobgpd make of them is in exabgp.test.ts.
import { describe, expect, it } from 'vitest';
import { Announcements } from '../../../ts/integrations/exabgp/announcements.js';
import { hostRoute, subnetRoute } from '../../../ts/integrations/exabgp/blackhole.js';
import { announceFlow, announceRoute, withdrawFlow, withdrawRoute } from '../../../ts/integrations/exabgp/commands.js';
import { flowRuleFor } from '../../../ts/integrations/exabgp/flowspec.js';
import { sampleAttack } from '../support.js';
import { BanBook, banOf, exabgpConfig, ntpAttack } from './support.js';

describe('commands', () => {
  const blackhole = exabgpConfig({ blackhole: { communities: ['65535:666', '65001:7'], large_communities: ['65001:666:1'] } }).blackhole;

  it('announces and withdraws a host route with its next hop and communities', () => {
    expect(announceRoute(hostRoute('203.0.113.10', blackhole))).toBe(
      'announce route 203.0.113.10/32 next-hop 192.0.2.1 community [65535:666 65001:7] large-community [65001:666:1]',
    );
    expect(withdrawRoute(hostRoute('203.0.113.10', blackhole))).toBe('withdraw route 203.0.113.10/32 next-hop 192.0.2.1');
  });

  it('uses /128 and the IPv6 next hop for an IPv6 host, in canonical form', () => {
    expect(announceRoute(hostRoute('2001:DB8:0:0::10', blackhole))).toBe(
      'announce route 2001:db8::10/128 next-hop 100::1 community [65535:666 65001:7] large-community [65001:666:1]',
    );
  });

  it('leaves out empty community lists', () => {
    const plain = exabgpConfig({ blackhole: { communities: [], large_communities: [] } }).blackhole;
    expect(announceRoute(hostRoute('192.0.2.9', plain))).toBe('announce route 192.0.2.9/32 next-hop 192.0.2.1');
  });

  it('gives the covering subnet its own communities, and none when it is off', () => {
    const withSubnet = exabgpConfig({
      blackhole: { subnet: { enabled: true, ipv4_length: 24, ipv6_length: 64, communities: ['65001:24'], large_communities: [] } },
    }).blackhole;
    expect(announceRoute(subnetRoute('203.0.113.10', withSubnet)!)).toBe('announce route 203.0.113.0/24 next-hop 192.0.2.1 community [65001:24]');
    expect(subnetRoute('2001:db8:1:2::10', withSubnet)!.prefix).toBe('2001:db8:1:2::/64');
    expect(subnetRoute('203.0.113.10', blackhole)).toBeNull();
  });

  it('writes an NTP amplification rule as ExaBGP reads it, IPv4 and IPv6', () => {
    const v4 = flowRuleFor(banOf('203.0.113.10'), ntpAttack('203.0.113.10'))!;
    expect(announceFlow(v4, { kind: 'discard' })).toBe(
      'announce flow route { match { destination 203.0.113.10/32; protocol udp; source-port =123; } then { discard; } }',
    );
    expect(withdrawFlow(v4)).toBe('withdraw flow route { match { destination 203.0.113.10/32; protocol udp; source-port =123; } }');
    const v6 = flowRuleFor(banOf('2001:db8::10'), ntpAttack('2001:db8::10'))!;
    expect(announceFlow(v6, { kind: 'rate_limit', bytesPerSecond: 125000.4 })).toBe(
      'announce flow route { match { destination 2001:db8::10/128; next-header udp; source-port =123; } then { rate-limit 125000; } }',
    );
  });
});

describe('FlowSpec rule from the attack record', () => {
  const ban = banOf('203.0.113.10');

  it('matches a SYN flood on its TCP flags and the port most of it goes to', () => {
    const rule = flowRuleFor(
      ban,
      sampleAttack({
        type: 'syn_flood',
        top_destination_ports: [
          { key: 'tcp/443', packets: 1990, bytes: 1 },
          { key: 'tcp/80', packets: 10, bytes: 1 },
        ],
      }),
    )!;
    expect(announceFlow(rule, { kind: 'discard' })).toContain(
      'match { destination 203.0.113.10/32; protocol tcp; destination-port =443; tcp-flags [ =syn ]; }',
    );
  });

  it('leaves out ports that no single one dominates', () => {
    const rule = flowRuleFor(
      ban,
      sampleAttack({
        type: 'udp_flood',
        top_source_ports: [
          { key: 'udp/1000', packets: 10, bytes: 1 },
          { key: 'udp/1001', packets: 10, bytes: 1 },
        ],
        top_destination_ports: [
          { key: '53', packets: 90, bytes: 1 },
          { key: 'tcp/22', packets: 500, bytes: 1 },
        ],
      }),
    )!;
    expect(rule).toMatchObject({ protocol: 'udp', sourcePorts: [], destinationPorts: [53] });
  });

  it('matches fragments, ICMP (next-header 58 in IPv6) and the source of an outgoing flood', () => {
    expect(announceFlow(flowRuleFor(ban, sampleAttack({ type: 'ip_fragmentation' }))!, { kind: 'discard' })).toContain(
      'match { destination 203.0.113.10/32; fragment [ is-fragment ]; }',
    );
    expect(announceFlow(flowRuleFor(banOf('2001:db8::1'), sampleAttack({ type: 'icmp_flood' }))!, { kind: 'discard' })).toContain(
      'match { destination 2001:db8::1/128; next-header 58; }',
    );
    const outgoing = flowRuleFor(banOf('198.51.100.7', { direction: 'outgoing' }), sampleAttack({ type: 'dns_amplification' }))!;
    expect(withdrawFlow(outgoing)).toBe('withdraw flow route { match { source 198.51.100.7/32; protocol udp; source-port =53; } }');
  });

  it('builds none for an attack of unknown type: the blackhole route does as much', () => {
    expect(flowRuleFor(ban, sampleAttack({ type: 'unknown' }))).toBeNull();
  });
});

describe('announcements', () => {
  const subnet = { enabled: true, ipv4_length: 24, ipv6_length: 64, communities: ['65535:666'], large_communities: [] };

  function replay(announcements: Announcements, events: ReturnType<BanBook['ban']>[]): string[][] {
    return events.map((event) => {
      const step = announcements.forEvent(event);
      step.commit();
      return step.lines;
    });
  }

  it('holds the subnet route while any ban inside it lasts', () => {
    const book = new BanBook();
    const announcements = new Announcements(exabgpConfig({ blackhole: { subnet } }), { ...book, flowspecFor: () => false });
    const [, , firstUnban, secondUnban] = replay(announcements, [
      book.ban('203.0.113.10'),
      book.ban('203.0.113.20'),
      book.unban('203.0.113.10'),
      book.unban('203.0.113.20'),
    ]);
    expect(firstUnban).toEqual(['withdraw route 203.0.113.10/32 next-hop 192.0.2.1']);
    expect(secondUnban).toEqual(['withdraw route 203.0.113.20/32 next-hop 192.0.2.1', 'withdraw route 203.0.113.0/24 next-hop 192.0.2.1']);
  });

  it('counts the bans in force too, after a restart left this process knowing none', () => {
    const book = new BanBook();
    book.ban('203.0.113.10');
    book.ban('203.0.113.20');
    const fresh = new Announcements(exabgpConfig({ blackhole: { subnet } }), { ...book, flowspecFor: () => false });
    expect(fresh.forEvent(book.unban('203.0.113.10')).lines).toEqual(['withdraw route 203.0.113.10/32 next-hop 192.0.2.1']);
  });

  it('computes the same commands again when ExaBGP did not get them', () => {
    const book = new BanBook();
    const announcements = new Announcements(exabgpConfig({ blackhole: { subnet } }), { ...book, flowspecFor: () => false });
    replay(announcements, [book.ban('203.0.113.10')]);
    const unban = book.unban('203.0.113.10');
    const failed = announcements.forEvent(unban);
    expect(announcements.forEvent(unban).lines).toEqual(failed.lines);
    expect(failed.lines).toContain('withdraw route 203.0.113.0/24 next-hop 192.0.2.1');
  });

  it('replaces the blackhole route by the FlowSpec rule, unless blackhole_too', () => {
    const rule = 'destination 203.0.113.10/32; protocol udp; source-port =123;';
    for (const blackholeToo of [false, true]) {
      const book = new BanBook();
      const config = exabgpConfig({ flowspec: { enabled: true, blackhole_too: blackholeToo } });
      const announcements = new Announcements(config, { ...book, flowspecFor: (group) => group === 'customers-web' });
      const [ban, details, unban] = replay(announcements, [
        book.ban('203.0.113.10', sampleAttack({ ip: '203.0.113.10', type: 'unknown' })),
        book.details('203.0.113.10', ntpAttack('203.0.113.10')),
        book.unban('203.0.113.10'),
      ]);
      expect(ban).toEqual(['announce route 203.0.113.10/32 next-hop 192.0.2.1 community [65535:666]']);
      expect(details).toEqual([
        `announce flow route { match { ${rule} } then { discard; } }`,
        blackholeToo ? 'announce route 203.0.113.10/32 next-hop 192.0.2.1 community [65535:666]' : 'withdraw route 203.0.113.10/32 next-hop 192.0.2.1',
      ]);
      expect(unban).toEqual([`withdraw flow route { match { ${rule} } }`, 'withdraw route 203.0.113.10/32 next-hop 192.0.2.1']);
    }
  });

  it('announces no rule for a hostgroup without FlowSpec', () => {
    const book = new BanBook();
    const announcements = new Announcements(exabgpConfig({ flowspec: { enabled: true } }), { ...book, flowspecFor: () => false });
    const [, details] = replay(announcements, [book.ban('203.0.113.10'), book.details('203.0.113.10', ntpAttack('203.0.113.10'))]);
    expect(details).toEqual([]);
  });

  it('announces every active ban again, the subnet once, the rule held', () => {
    const book = new BanBook();
    const config = exabgpConfig({ blackhole: { subnet }, flowspec: { enabled: true } });
    const announcements = new Announcements(config, { ...book, flowspecFor: () => true });
    replay(announcements, [book.ban('203.0.113.10'), book.ban('203.0.113.20', ntpAttack('203.0.113.20'))]);
    expect(announcements.everyActiveBan().lines).toEqual([
      'announce route 203.0.113.10/32 next-hop 192.0.2.1 community [65535:666]',
      'announce route 203.0.113.0/24 next-hop 192.0.2.1 community [65535:666]',
      'announce flow route { match { destination 203.0.113.20/32; protocol udp; source-port =123; } then { discard; } }',
    ]);
  });
});
