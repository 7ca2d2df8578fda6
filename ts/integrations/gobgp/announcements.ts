// What a ban announces through gobgpd, from the configuration: the host's blackhole route, its
// covering subnet, a FlowSpec rule; and how to tell floodwatch's routes from others in gobgpd's RIB.
import type { AttackRecord, Ban } from '../../attacks/types.js';
import { formatAddress, networkOf, parseIpAddress, type IpAddress } from '../../config/prefix.js';
import type { GobgpActionConfig } from './config.js';
import { flowspecRuleFor } from './flowspec.js';
import { routeKey, type FlowspecRoute, type LargeCommunity, type Route, type UnicastRoute } from './paths.js';

export interface AnnouncementPolicy {
  config: GobgpActionConfig;
  /** Whether the hostgroup has FlowSpec switched on. */
  flowspecFor(hostgroup: string): boolean;
}

/** Every route the ban announces; `attack` narrows the FlowSpec rule. */
export function routesForBan(ban: Ban, attack: AttackRecord | null, policy: AnnouncementPolicy): Route[] {
  const address = hostAddress(ban.ip);
  const routes: Route[] = [];
  const flowspec = usesFlowspec(ban, policy);
  if (!flowspec || policy.config.flowspec.blackhole_too) routes.push(...blackholeRoutes(address, policy.config));
  if (flowspec) routes.push(flowspecRoute(address, ban, attack, policy.config));
  return routes;
}

/** The blackhole routes of the ban alone (what bans can share: the subnet); no attack needed. */
export function blackholeRoutesForBan(ban: Ban, policy: AnnouncementPolicy): UnicastRoute[] {
  const flowspec = usesFlowspec(ban, policy);
  return !flowspec || policy.config.flowspec.blackhole_too ? blackholeRoutes(hostAddress(ban.ip), policy.config) : [];
}

function usesFlowspec(ban: Ban, policy: AnnouncementPolicy): boolean {
  return policy.config.flowspec.enabled && policy.flowspecFor(ban.hostgroup);
}

function hostAddress(ip: string): IpAddress {
  const parsed = parseIpAddress(ip);
  if (!parsed.ok) throw new Error(`cannot announce a route for the ban of '${ip}': ${parsed.reason}`);
  return parsed.value;
}

function hostLength(family: 4 | 6): number {
  return family === 4 ? 32 : 128;
}

function nextHopFor(family: 4 | 6, config: GobgpActionConfig): string {
  return family === 4 ? config.blackhole.next_hop_ipv4 : config.blackhole.next_hop_ipv6;
}

function subnetLength(family: 4 | 6, config: GobgpActionConfig): number {
  return family === 4 ? config.blackhole.subnet.ipv4_length : config.blackhole.subnet.ipv6_length;
}

function blackholeRoutes(host: IpAddress, config: GobgpActionConfig): UnicastRoute[] {
  const { blackhole } = config;
  const unicast = (length: number, communities: string[], large: string[]): UnicastRoute => ({
    kind: 'unicast',
    family: host.family,
    address: formatAddress(networkOf(host, length)),
    length,
    nextHop: nextHopFor(host.family, config),
    communities: communities.map(parseCommunity).sort((a, b) => a - b),
    largeCommunities: large.map(parseLargeCommunity),
  });
  const routes = [unicast(hostLength(host.family), blackhole.communities, blackhole.large_communities)];
  const length = subnetLength(host.family, config);
  // A subnet as long as the host route would be the same route with other communities.
  if (blackhole.subnet.enabled && length < hostLength(host.family)) {
    routes.push(unicast(length, blackhole.subnet.communities, blackhole.subnet.large_communities));
  }
  return routes;
}

function flowspecRoute(host: IpAddress, ban: Ban, attack: AttackRecord | null, config: GobgpActionConfig): FlowspecRoute {
  return {
    kind: 'flowspec',
    family: host.family,
    rule: flowspecRuleFor(formatAddress(host), host.family, ban.direction, attack),
    rate: flowspecRate(config),
  };
}

function flowspecRate(config: GobgpActionConfig): number {
  return config.flowspec.action === 'rate_limit' ? config.flowspec.rate_limit_bytes_per_second : 0;
}

/**
 * Whether a route found in gobgpd's RIB looks like one floodwatch announced under this
 * configuration (so that one left over from before a restart is withdrawn once its ban is gone):
 * a host or subnet route with the configured next hop and communities, or a FlowSpec rule on a
 * single host with the configured action.
 */
/**
 * Whether `route` is one of these bans' own: its blackhole route or covering subnet, or a FlowSpec
 * rule for the host (whatever the attack narrowed it to, which only the ban's member knows).
 */
export function isRouteOfBans(route: Route, bans: readonly Ban[], policy: AnnouncementPolicy): boolean {
  if (bans.length === 0) return false;
  if (route.kind === 'flowspec') {
    const host = route.rule.destination ?? route.rule.source;
    return host !== null && bans.some((ban) => ban.ip === host.address);
  }
  const key = routeKey(route);
  return bans.some((ban) => blackholeRoutesForBan(ban, policy).some((own) => routeKey(own) === key));
}

export function looksLikeFloodwatchRoute(route: Route, config: GobgpActionConfig): boolean {
  if (route.kind === 'flowspec') {
    const host = route.rule.destination ?? route.rule.source;
    return host !== null && host.length === hostLength(route.family) && Math.fround(route.rate) === Math.fround(flowspecRate(config));
  }
  if (route.nextHop !== nextHopFor(route.family, config)) return false;
  const { blackhole } = config;
  const sameCommunities = (communities: string[], large: string[]) =>
    sameList(
      route.communities,
      communities.map(parseCommunity).sort((a, b) => a - b),
    ) &&
    sameList(
      route.largeCommunities.map((c) => `${c.globalAdmin}:${c.localData1}:${c.localData2}`),
      large.map((text) => text.split(':').map(Number).join(':')),
    );
  if (route.length === hostLength(route.family)) return sameCommunities(blackhole.communities, blackhole.large_communities);
  return route.length === subnetLength(route.family, config) && sameCommunities(blackhole.subnet.communities, blackhole.subnet.large_communities);
}

function sameList<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** "65535:666" as the 32-bit value BGP carries (4294902426). */
export function parseCommunity(text: string): number {
  const [asn, value] = text.split(':').map(Number);
  if (!(asn! <= 0xffff && value! <= 0xffff)) throw new Error(`community '${text}' is out of range (each half 0 to 65535)`);
  return asn! * 0x10000 + value!;
}

export function parseLargeCommunity(text: string): LargeCommunity {
  const [globalAdmin, localData1, localData2] = text.split(':').map(Number);
  for (const part of [globalAdmin, localData1, localData2]) {
    if (!(part! <= 0xffffffff)) throw new Error(`large community '${text}' is out of range (each part 0 to 4294967295)`);
  }
  return { globalAdmin: globalAdmin!, localData1: localData1!, localData2: localData2! };
}
