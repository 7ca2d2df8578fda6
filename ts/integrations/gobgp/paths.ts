// The routes floodwatch announces, and their apipb.Path form: built for AddPath and DeletePath,
// read back from ListPath.
import { pack, unpack, type AnyMessage } from './any.js';
import type { ApiFamily, ApiPath } from './client.js';
import { describeRule, normalizeOp, type FlowspecComponent, type FlowspecPrefix, type FlowspecRule } from './flowspec.js';

export interface LargeCommunity {
  globalAdmin: number;
  localData1: number;
  localData2: number;
}

/** A blackhole route: a host (/32, /128) or its covering subnet. */
export interface UnicastRoute {
  kind: 'unicast';
  family: 4 | 6;
  /** The network address, canonical text. */
  address: string;
  length: number;
  nextHop: string;
  /** ASN << 16 | VALUE, ascending. */
  communities: number[];
  largeCommunities: LargeCommunity[];
}

export interface FlowspecRoute {
  kind: 'flowspec';
  family: 4 | 6;
  rule: FlowspecRule;
  /** Traffic-rate in bytes per second; 0 discards. */
  rate: number;
}

export type Route = UnicastRoute | FlowspecRoute;

const ORIGIN_IGP = 0;
const FLOWSPEC_PREFIX_TYPES = new Set([1, 2]);

export function apiFamily(route: Route): ApiFamily {
  return {
    afi: route.family === 4 ? 'AFI_IP' : 'AFI_IP6',
    safi: route.kind === 'unicast' ? 'SAFI_UNICAST' : 'SAFI_FLOW_SPEC_UNICAST',
  };
}

export function familyName(family: 4 | 6, kind: Route['kind']): string {
  return `ipv${family}-${kind}`;
}

/** What identifies the route in a BGP table: its family and NLRI. */
export function routeKey(route: Route): string {
  const nlri = route.kind === 'unicast' ? `${route.address}/${route.length}` : describeRule(route.rule);
  return `${familyName(route.family, route.kind)} ${nlri}`;
}

/** The key and the attributes floodwatch sets: two routes with the same signature need no update. */
export function routeSignature(route: Route): string {
  if (route.kind === 'flowspec') return `${routeKey(route)} rate ${Math.fround(route.rate)}`;
  const large = route.largeCommunities.map((c) => `${c.globalAdmin}:${c.localData1}:${c.localData2}`);
  return `${routeKey(route)} via ${route.nextHop} communities ${route.communities.join(',')} large ${large.join(',')}`;
}

/** For logs: "203.0.113.10/32 via 192.0.2.1" or "flowspec dst 203.0.113.10/32 proto =17 (discard)". */
export function describeRoute(route: Route): string {
  if (route.kind === 'unicast') return `${route.address}/${route.length} via ${route.nextHop}`;
  const action = route.rate === 0 ? 'discard' : `rate-limit ${route.rate} B/s`;
  return `flowspec ${describeRule(route.rule)} (${action})`;
}

/** The path for AddPath, and for DeletePath, which matches on family and NLRI. */
export function toApiPath(route: Route): ApiPath {
  const family = apiFamily(route);
  const nlri = route.kind === 'unicast' ? pack('IPAddressPrefix', { prefix: route.address, prefix_len: route.length }) : flowspecNlri(route.rule);
  const pattrs: AnyMessage[] = [pack('OriginAttribute', { origin: ORIGIN_IGP })];
  // gobgpd wants a next hop on every path; FlowSpec has none, so it gets the unspecified address.
  const nextHop = route.kind === 'unicast' ? route.nextHop : route.family === 4 ? '0.0.0.0' : '::';
  if (route.kind === 'unicast' && route.family === 4 && !nextHop.includes(':')) {
    pattrs.push(pack('NextHopAttribute', { next_hop: nextHop }));
  } else {
    pattrs.push(pack('MpReachNLRIAttribute', { family, next_hops: [nextHop], nlris: [nlri] }));
  }
  if (route.kind === 'unicast') {
    if (route.communities.length > 0) pattrs.push(pack('CommunitiesAttribute', { communities: route.communities }));
    if (route.largeCommunities.length > 0) {
      const communities = route.largeCommunities.map((c) => ({
        global_admin: c.globalAdmin,
        local_data1: c.localData1,
        local_data2: c.localData2,
      }));
      pattrs.push(pack('LargeCommunitiesAttribute', { communities }));
    }
  } else {
    const trafficRate = pack('TrafficRateExtended', { asn: 0, rate: route.rate });
    pattrs.push(pack('ExtendedCommunitiesAttribute', { communities: [trafficRate] }));
  }
  return { family, nlri, pattrs };
}

function flowspecNlri(rule: FlowspecRule): AnyMessage {
  const prefix = (type: number, p: FlowspecPrefix) => pack('FlowSpecIPPrefix', { type, prefix_len: p.length, prefix: p.address, offset: 0 });
  const rules: AnyMessage[] = [];
  if (rule.destination) rules.push(prefix(1, rule.destination));
  if (rule.source) rules.push(prefix(2, rule.source));
  for (const component of rule.components) rules.push(pack('FlowSpecComponent', { type: component.type, items: component.items }));
  return pack('FlowSpecNLRI', { rules });
}

/** A path of gobgpd's RIB as a route; null for what floodwatch would never announce. */
export function fromApiPath(path: ApiPath): Route | null {
  const family = path.family?.afi === 'AFI_IP' ? 4 : path.family?.afi === 'AFI_IP6' ? 6 : null;
  const nlri = path.nlri ? unpack(path.nlri) : null;
  if (family === null || !nlri) return null;
  const attributes = new Map<string, Record<string, unknown>>();
  for (const any of path.pattrs ?? []) {
    const attribute = unpack(any);
    if (attribute) attributes.set(attribute.typeName, attribute.message);
  }

  if (nlri.typeName === 'IPAddressPrefix' && path.family.safi === 'SAFI_UNICAST') {
    const mpReach = attributes.get('MpReachNLRIAttribute');
    const nextHop = (attributes.get('NextHopAttribute')?.next_hop as string | undefined) ?? (mpReach?.next_hops as string[] | undefined)?.[0];
    if (!nextHop) return null;
    const large = (attributes.get('LargeCommunitiesAttribute')?.communities ?? []) as Record<string, number>[];
    return {
      kind: 'unicast',
      family,
      address: String(nlri.message.prefix),
      length: Number(nlri.message.prefix_len),
      nextHop,
      communities: [...((attributes.get('CommunitiesAttribute')?.communities ?? []) as number[])].sort((a, b) => a - b),
      largeCommunities: large.map((c) => ({ globalAdmin: c.global_admin!, localData1: c.local_data1!, localData2: c.local_data2! })),
    };
  }

  if (nlri.typeName === 'FlowSpecNLRI' && path.family.safi === 'SAFI_FLOW_SPEC_UNICAST') {
    const rule = flowspecRuleOf(family, nlri.message.rules as AnyMessage[]);
    const rate = trafficRateOf(attributes.get('ExtendedCommunitiesAttribute'));
    if (!rule || rate === null) return null;
    return { kind: 'flowspec', family, rule, rate };
  }
  return null;
}

function flowspecRuleOf(family: 4 | 6, anys: AnyMessage[]): FlowspecRule | null {
  const rule: FlowspecRule = { family, destination: null, source: null, components: [] };
  for (const any of anys ?? []) {
    const part = unpack(any);
    if (part?.typeName === 'FlowSpecIPPrefix' && FLOWSPEC_PREFIX_TYPES.has(Number(part.message.type))) {
      const prefix = { address: String(part.message.prefix), length: Number(part.message.prefix_len) };
      if (Number(part.message.type) === 1) rule.destination = prefix;
      else rule.source = prefix;
    } else if (part?.typeName === 'FlowSpecComponent') {
      const items = (part.message.items as { op: number; value: number }[]).map((i) => ({ op: normalizeOp(i.op), value: Number(i.value) }));
      rule.components.push({ type: Number(part.message.type), items } satisfies FlowspecComponent);
    } else {
      return null;
    }
  }
  rule.components.sort((a, b) => a.type - b.type);
  return rule;
}

function trafficRateOf(extended: Record<string, unknown> | undefined): number | null {
  for (const any of (extended?.communities ?? []) as AnyMessage[]) {
    const community = unpack(any);
    if (community?.typeName === 'TrafficRateExtended') return Number(community.message.rate);
  }
  return null;
}
