// Which Host names the API answers to, and which pages may change bans, against DNS rebinding: a
// page on attacker.example whose name comes to resolve to 127.0.0.1 reaches the API from the
// browser with Host and Origin attacker.example. Accepted: the listen address itself (with
// 0.0.0.0 or [::], any address of this machine), localhost names when loopback reaches the API,
// and api.allowed_hosts. Ports are not compared: a forwarded port (ssh -L) changes them, and a
// rebinding page cannot choose its name.
import { networkInterfaces } from 'node:os';
import { isLoopbackListen, isUnspecifiedListen, type ListenAddress } from '../config/listen-address.js';
import { formatAddress, parseIpAddress, type IpAddress } from '../config/prefix.js';

export class HostPolicy {
  readonly #listen: ListenAddress;
  readonly #allowed: Set<string>;

  constructor(listen: ListenAddress, allowedHosts: readonly string[]) {
    this.#listen = listen;
    this.#allowed = new Set(allowedHosts.map(canonicalName));
  }

  /** A Host header (name or address, with or without a port). */
  acceptsHost(host: string): boolean {
    const name = hostName(host);
    if (name === null) return false;
    if (this.#allowed.has(name)) return true;
    const address = parseIpAddress(name);
    if (address.ok) return this.#acceptsAddress(address.value);
    const reachableOnLoopback = isLoopbackListen(this.#listen) || isUnspecifiedListen(this.#listen);
    return reachableOnLoopback && (name === 'localhost' || name.endsWith('.localhost'));
  }

  /** An Origin header, for a change: the page must be this API's own, or on an allowed host. */
  acceptsOrigin(origin: string, host: string | undefined): boolean {
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return false; // "null" (a sandboxed or file: page) among others
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
    if (host !== undefined && url.host === host.toLowerCase()) return true;
    const name = hostName(url.host);
    return name !== null && this.#allowed.has(name);
  }

  #acceptsAddress(address: IpAddress): boolean {
    const text = formatAddress(address);
    if (text === formatAddress(this.#listen.address)) return true;
    return isUnspecifiedListen(this.#listen) && localAddresses().has(text);
  }
}

/** How long the machine's address list is trusted before it is read again. */
const LOCAL_ADDRESSES_TTL_MS = 5000;
let local: { addresses: Set<string>; readAt: number } | null = null;

/** This machine's addresses, read from the kernel at most every few seconds, not per request. */
function localAddresses(): Set<string> {
  const now = performance.now();
  if (local === null || now - local.readAt > LOCAL_ADDRESSES_TTL_MS) {
    const addresses = Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((a) => canonicalAddress(a.address)));
    local = { addresses: new Set(addresses), readAt: now };
  }
  return local.addresses;
}

/** The name or address of a Host header, lower case, without port, brackets or final dot. */
function hostName(host: string): string | null {
  const bracketed = /^\[([0-9a-f:.]+)\](?::\d*)?$/i.exec(host);
  if (bracketed) return canonicalAddress(bracketed[1]!);
  const plain = /^([^:\s/@]+)(?::\d*)?$/.exec(host);
  return plain ? canonicalName(plain[1]!) : null;
}

function canonicalName(name: string): string {
  const lower = name.toLowerCase().replace(/\.$/, '');
  return canonicalAddress(lower);
}

function canonicalAddress(text: string): string {
  const parsed = parseIpAddress(text.replace(/%.*$/, ''));
  return parsed.ok ? formatAddress(parsed.value) : text;
}
