// UDP listen addresses: `IPv4:port` or `[IPv6]:port`, as the engine binds them.
import { formatAddress, parseIpAddress, type IpAddress, type Parsed } from './prefix.js';

export interface ListenAddress {
  readonly address: IpAddress;
  /** 0 lets the kernel choose a free port. */
  readonly port: number;
}

export function parseListenAddress(text: string): Parsed<ListenAddress> {
  const bracketed = /^\[(.*)\]:(.*)$/.exec(text);
  if (bracketed) {
    const address = parseIpAddress(bracketed[1]!);
    if (!address.ok) return { ok: false, reason: `'${text}': ${address.reason}` };
    if (address.value.family !== 6) {
      return { ok: false, reason: `'${text}': brackets are for IPv6 addresses only (write ${bracketed[1]}:${bracketed[2]})` };
    }
    return withPort(text, address.value, bracketed[2]!);
  }
  const bare = parseIpAddress(text);
  if (bare.ok) {
    const example = bare.value.family === 4 ? `${text}:2055` : `[${text}]:2055`;
    return { ok: false, reason: `'${text}' has no port (write ${example})` };
  }
  const colon = text.lastIndexOf(':');
  if (colon < 0) {
    return { ok: false, reason: `'${text}' is not a listen address (write IPv4:PORT or [IPv6]:PORT, e.g. 0.0.0.0:2055 or [::]:2055)` };
  }
  const host = text.slice(0, colon);
  if (host.includes(':')) {
    return { ok: false, reason: `'${text}': write an IPv6 address in brackets, e.g. [::]:2055` };
  }
  const address = parseIpAddress(host);
  if (!address.ok) {
    return { ok: false, reason: `'${text}': ${host} is not an IP address (floodwatch listens on addresses, e.g. 0.0.0.0:2055)` };
  }
  return withPort(text, address.value, text.slice(colon + 1));
}

export function formatListenAddress(listen: ListenAddress): string {
  const host = formatAddress(listen.address);
  return listen.address.family === 4 ? `${host}:${listen.port}` : `[${host}]:${listen.port}`;
}

function withPort(text: string, address: IpAddress, portText: string): Parsed<ListenAddress> {
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) {
    return { ok: false, reason: `'${text}': the port '${portText}' is not a number from 0 to 65535` };
  }
  return { ok: true, value: { address, port: Number(portText) } };
}

/** 127.0.0.0/8 and ::1: reachable only from this machine. */
export function isLoopbackListen(listen: ListenAddress): boolean {
  const { family, bytes } = listen.address;
  if (family === 4) return bytes[0] === 127;
  return bytes.subarray(0, 15).every((b) => b === 0) && bytes[15] === 1;
}

/** 0.0.0.0 and [::]: every address of the machine. */
export function isUnspecifiedListen(listen: ListenAddress): boolean {
  return listen.address.bytes.every((b) => b === 0);
}
