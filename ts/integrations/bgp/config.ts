// What the GoBGP and ExaBGP integrations announce, configured alike in both: the blackhole route
// (the host, and optionally its covering subnet) and the FlowSpec rule.
import { Type, type Static } from '@sinclair/typebox';
import type { ConfigProblem } from '../../config/errors.js';
import { Choice, FormattedString, strict } from '../../config/schema-types.js';

/** A BGP community "ASN:VALUE" (16-bit each) or a large community "ASN:DATA1:DATA2" (32-bit each). */
const Community = Type.String({ pattern: '^[0-9]{1,5}:[0-9]{1,5}$' });
const LargeCommunity = Type.String({ pattern: '^[0-9]{1,10}:[0-9]{1,10}:[0-9]{1,10}$' });

/** What a ban announces: the host route, and optionally its covering subnet. */
export const BlackholeSchema = Type.Object(
  {
    next_hop_ipv4: FormattedString('ip-address'),
    next_hop_ipv6: FormattedString('ip-address'),
    communities: Type.Array(Community),
    large_communities: Type.Array(LargeCommunity),
    /** Also announce the subnet that covers the host (e.g. a /24), with its own communities. */
    subnet: Type.Object(
      {
        enabled: Type.Boolean(),
        ipv4_length: Type.Integer({ minimum: 8, maximum: 32 }),
        ipv6_length: Type.Integer({ minimum: 16, maximum: 128 }),
        communities: Type.Array(Community),
        large_communities: Type.Array(LargeCommunity),
      },
      strict,
    ),
  },
  strict,
);

/** A FlowSpec rule built from the attack record instead of (or besides) the blackhole route. */
export const FlowspecSchema = Type.Object(
  {
    enabled: Type.Boolean(),
    /** discard, or rate-limit to rate_limit_bytes_per_second. */
    action: Choice(['discard', 'rate_limit'] as const),
    rate_limit_bytes_per_second: Type.Number({ minimum: 0 }),
    /** Keep announcing the blackhole route too. */
    blackhole_too: Type.Boolean(),
  },
  strict,
);

export type BlackholeConfig = Static<typeof BlackholeSchema>;
export type FlowspecConfig = Static<typeof FlowspecSchema>;

export function blackholeDefault(): BlackholeConfig {
  return {
    next_hop_ipv4: '192.0.2.1',
    next_hop_ipv6: '100::1',
    // BLACKHOLE, RFC 7999.
    communities: ['65535:666'],
    large_communities: [],
    subnet: { enabled: false, ipv4_length: 24, ipv6_length: 64, communities: ['65535:666'], large_communities: [] },
  };
}

export function flowspecDefault(): FlowspecConfig {
  return { enabled: false, action: 'discard', rate_limit_bytes_per_second: 0, blackhole_too: false };
}

/** check-config's " (blackhole next hop 192.0.2.1, subnets /24, flowspec discard)". */
export function describeAnnouncements(bgp: { blackhole: BlackholeConfig; flowspec: FlowspecConfig }): string {
  const routes = [`blackhole next hop ${bgp.blackhole.next_hop_ipv4}`];
  if (bgp.blackhole.subnet.enabled) routes.push(`subnets /${bgp.blackhole.subnet.ipv4_length}`);
  if (bgp.flowspec.enabled) routes.push(`flowspec ${bgp.flowspec.action}`);
  return ` (${routes.join(', ')})`;
}

/** The schema checks the shape of a community; its parts must also fit in 16 (large: 32) bits. */
export function communityProblems(where: string, blackhole: BlackholeConfig): ConfigProblem[] {
  const lists: [string, string[], number][] = [
    [`${where}.communities`, blackhole.communities, 0xffff],
    [`${where}.subnet.communities`, blackhole.subnet.communities, 0xffff],
    [`${where}.large_communities`, blackhole.large_communities, 0xffffffff],
  ];
  const problems: ConfigProblem[] = [];
  for (const [path, communities, max] of lists) {
    communities.forEach((community, i) => {
      if (community.split(':').some((part) => Number(part) > max)) {
        problems.push({ where: `${path}[${i}]`, reason: `'${community}': each part must be 0 to ${max}` });
      }
    });
  }
  return problems;
}
