// IP addresses and prefixes as the configuration writes them: parsed strictly, with a reason
// an operator can act on when they are wrong.
import { isIP } from 'node:net';

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

export interface IpAddress {
  readonly family: 4 | 6;
  /** 4 or 16 bytes, network order. */
  readonly bytes: Uint8Array;
}

export interface Prefix extends IpAddress {
  readonly length: number;
}

export function maxPrefixLength(family: 4 | 6): number {
  return family === 4 ? 32 : 128;
}

/** An IPv4 or IPv6 address without zone index, e.g. `192.0.2.1` or `2001:db8::1`. */
export function parseIpAddress(text: string): Parsed<IpAddress> {
  if (text.includes('%')) {
    return { ok: false, reason: `'${text}': a zone index (${text.slice(text.indexOf('%'))}) is not allowed here` };
  }
  const family = isIP(text);
  if (family === 4) return { ok: true, value: { family: 4, bytes: ipv4Bytes(text) } };
  if (family === 6) return { ok: true, value: { family: 6, bytes: ipv6Bytes(text) } };
  return { ok: false, reason: `'${text}' is not an IPv4 or IPv6 address` };
}

/**
 * `ADDRESS/LENGTH` with the host bits zero, e.g. `192.0.2.0/24` or `2001:db8::/32`.
 * A bare address is refused: a single host is written `/32` or `/128`.
 */
export function parsePrefix(text: string): Parsed<Prefix> {
  const slash = text.indexOf('/');
  if (slash < 0) {
    const address = parseIpAddress(text);
    if (!address.ok) {
      return { ok: false, reason: `'${text}' is not an IP prefix (write ADDRESS/LENGTH, e.g. 192.0.2.0/24 or 2001:db8::/32)` };
    }
    const single = `${text}/${maxPrefixLength(address.value.family)}`;
    return { ok: false, reason: `'${text}' has no prefix length (write ${single} for a single host)` };
  }
  const addressText = text.slice(0, slash);
  const lengthText = text.slice(slash + 1);
  const address = parseIpAddress(addressText);
  if (!address.ok) return { ok: false, reason: `'${text}': ${address.reason}` };
  const max = maxPrefixLength(address.value.family);
  const familyName = address.value.family === 4 ? 'IPv4' : 'IPv6';
  if (!/^\d{1,3}$/.test(lengthText)) {
    return { ok: false, reason: `'${text}': the prefix length '${lengthText}' is not a number from 0 to ${max}` };
  }
  const length = Number(lengthText);
  if (length > max) {
    return { ok: false, reason: `'${text}': the prefix length ${length} is out of range (0 to ${max} for ${familyName})` };
  }
  const network = networkOf(address.value, length);
  if (!sameBytes(network.bytes, address.value.bytes)) {
    return { ok: false, reason: `'${text}' has host bits set (the network is ${formatPrefix(network)})` };
  }
  return { ok: true, value: network };
}

/** The prefix of the given length that contains the address (host bits cleared). */
export function networkOf(address: IpAddress, length: number): Prefix {
  const bytes = new Uint8Array(address.bytes);
  for (let i = 0; i < bytes.length; i++) {
    const bitsKept = length - i * 8;
    if (bitsKept <= 0) bytes[i] = 0;
    else if (bitsKept < 8) bytes[i]! &= (0xff << (8 - bitsKept)) & 0xff;
  }
  return { family: address.family, bytes, length };
}

export function formatAddress(address: IpAddress): string {
  return address.family === 4 ? Array.from(address.bytes).join('.') : formatIpv6(address.bytes);
}

/** Canonical text: `10.0.0.0/8`, `2001:db8::/32` (RFC 5952 for IPv6). */
export function formatPrefix(prefix: Prefix): string {
  return `${formatAddress(prefix)}/${prefix.length}`;
}

/** The canonical text of a prefix that `parsePrefix` accepted; anything else unchanged. */
export function canonicalPrefix(text: string): string {
  const parsed = parsePrefix(text);
  return parsed.ok ? formatPrefix(parsed.value) : text;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

function ipv4Bytes(text: string): Uint8Array {
  return Uint8Array.from(text.split('.').map(Number));
}

// Only called on text that isIP() accepted as IPv6.
function ipv6Bytes(text: string): Uint8Array {
  const bytes = new Uint8Array(16);
  let groupsText = text;
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    bytes.set(ipv4Bytes(tail), 12);
    groupsText = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const [headText, restText] = groupsText.split('::') as [string, string | undefined];
  const head = headText === '' ? [] : headText.split(':');
  const rest = restText === undefined || restText === '' ? [] : restText.split(':');
  const groups = [...head, ...Array<string>(8 - head.length - rest.length).fill('0'), ...rest];
  groups.forEach((group, i) => {
    if (tail.includes('.') && i >= 6) return;
    const value = parseInt(group, 16);
    bytes[i * 2] = value >> 8;
    bytes[i * 2 + 1] = value & 0xff;
  });
  return bytes;
}

function formatIpv6(bytes: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  // The longest run of two or more zero groups (the first of equals) becomes '::'.
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (part: number[]) => part.map((g) => g.toString(16)).join(':');
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLength))}`;
}

/**
 * A prefix as FastNetMon's lists accept it: a bare address is a single host, host bits are
 * cleared. `adjusted` says what was changed, for the operator to know.
 */
export function parseLenientPrefix(text: string): Parsed<{ prefix: Prefix; adjusted?: string }> {
  if (!text.includes('/')) {
    const address = parseIpAddress(text);
    if (!address.ok) return address;
    const prefix = networkOf(address.value, maxPrefixLength(address.value.family));
    return { ok: true, value: { prefix, adjusted: `'${text}' is a single host: taken as ${formatPrefix(prefix)}` } };
  }
  const strict = parsePrefix(text);
  if (strict.ok) return { ok: true, value: { prefix: strict.value } };
  const slash = text.indexOf('/');
  const address = parseIpAddress(text.slice(0, slash));
  const lengthText = text.slice(slash + 1);
  if (!address.ok || !/^\d{1,3}$/.test(lengthText) || Number(lengthText) > maxPrefixLength(address.value.family)) {
    return strict;
  }
  const prefix = networkOf(address.value, Number(lengthText));
  return { ok: true, value: { prefix, adjusted: `'${text}' has host bits set: taken as ${formatPrefix(prefix)}` } };
}
