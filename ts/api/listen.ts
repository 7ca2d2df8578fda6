// Where the API listens: api.listen parsed, and whether it is reachable only from this machine.
import type { AddressInfo } from 'node:net';
import { formatAddress } from '../config/prefix.js';
import { parseListenAddress, type ListenAddress } from '../config/listen-address.js';

export function parseApiListen(text: string): ListenAddress {
  const parsed = parseListenAddress(text);
  if (!parsed.ok) throw new Error(`api.listen: ${parsed.reason}`);
  return parsed.value;
}

export function isLoopbackPeer(address: string | undefined): boolean {
  if (!address) return false;
  return address === '::1' || /^(::ffff:)?127\.\d+\.\d+\.\d+$/i.test(address);
}

export function listenHost(listen: ListenAddress): string {
  return formatAddress(listen.address);
}

/** `host:port` as bound, IPv6 in brackets. */
export function boundAddress(info: AddressInfo): string {
  return info.family === 'IPv6' ? `[${info.address}]:${info.port}` : `${info.address}:${info.port}`;
}
