// The blackhole routes of a banned host: the host itself, and the subnet that covers it when the
// configuration asks for it.
import type { BlackholeConfig } from '../bgp/config.js';
import { formatAddress, formatPrefix, maxPrefixLength, networkOf, parseIpAddress, type IpAddress } from '../../config/prefix.js';
import type { Route } from './commands.js';

export function hostRoute(ip: string, config: BlackholeConfig): Route {
  const address = addressOf(ip);
  return {
    prefix: `${formatAddress(address)}/${maxPrefixLength(address.family)}`,
    nextHop: nextHopFor(address, config),
    communities: config.communities,
    largeCommunities: config.large_communities,
  };
}

/** Null when the subnet route is off, or would be the host route itself. */
export function subnetRoute(ip: string, config: BlackholeConfig): Route | null {
  if (!config.subnet.enabled) return null;
  const address = addressOf(ip);
  const length = address.family === 4 ? config.subnet.ipv4_length : config.subnet.ipv6_length;
  if (length >= maxPrefixLength(address.family)) return null;
  return {
    prefix: formatPrefix(networkOf(address, length)),
    nextHop: nextHopFor(address, config),
    communities: config.subnet.communities,
    largeCommunities: config.subnet.large_communities,
  };
}

function nextHopFor(address: IpAddress, config: BlackholeConfig): string {
  return address.family === 4 ? config.next_hop_ipv4 : config.next_hop_ipv6;
}

function addressOf(ip: string): IpAddress {
  const parsed = parseIpAddress(ip);
  if (!parsed.ok) throw new Error(`cannot announce a blackhole route for ${ip}: ${parsed.reason}`);
  return parsed.value;
}
