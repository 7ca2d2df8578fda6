// Addresses that are never one host's own: a ban of one would reach every host of a group
// (broadcast, multicast), this machine (loopback), a link's neighbours (link-local), or no host
// at all (unspecified). Neither detection nor the API bans them unless the operator forces it.
import { BlockList } from 'node:net';

const RANGES: { prefix: string; bits: number; family: 'ipv4' | 'ipv6'; what: string }[] = [
  { prefix: '0.0.0.0', bits: 8, family: 'ipv4', what: "the unspecified address or 'this network' (0.0.0.0/8)" },
  { prefix: '255.255.255.255', bits: 32, family: 'ipv4', what: 'the broadcast address' },
  { prefix: '224.0.0.0', bits: 4, family: 'ipv4', what: 'a multicast address (224.0.0.0/4)' },
  { prefix: '127.0.0.0', bits: 8, family: 'ipv4', what: 'a loopback address (127.0.0.0/8)' },
  { prefix: '169.254.0.0', bits: 16, family: 'ipv4', what: 'a link-local address (169.254.0.0/16)' },
  { prefix: '::', bits: 128, family: 'ipv6', what: 'the unspecified address (::)' },
  { prefix: '::1', bits: 128, family: 'ipv6', what: 'the loopback address (::1)' },
  { prefix: 'ff00::', bits: 8, family: 'ipv6', what: 'a multicast address (ff00::/8)' },
  { prefix: 'fe80::', bits: 10, family: 'ipv6', what: 'a link-local address (fe80::/10)' },
];

const LISTS = RANGES.map((range) => {
  const list = new BlockList();
  list.addSubnet(range.prefix, range.bits, range.family);
  return { list, family: range.family, what: range.what };
});

/** What `ip` is when it is not one host's own address (e.g. 'a multicast address (224.0.0.0/4)'); null for a host. */
export function notAHost(ip: string): string | null {
  const family = ip.includes(':') ? 'ipv6' : 'ipv4';
  return LISTS.find((range) => range.family === family && range.list.check(ip, family))?.what ?? null;
}
