// Addresses as the API takes them: one host, strictly written, returned in canonical form
// (IPv6 compressed and lowercase, RFC 5952; an IPv4-mapped IPv6 address as its IPv4 address) so
// that `2001:DB8::0:1` and `2001:db8::1` are the same host everywhere, and `::ffff:192.0.2.1`
// cannot slip past a whitelist of IPv4 prefixes.
import { formatAddress, parseIpAddress, type IpAddress, type Parsed } from '../config/prefix.js';

export function parseHostAddress(text: string): Parsed<string> {
  if (text.includes('/')) {
    const address = text.slice(0, text.indexOf('/'));
    return { ok: false, reason: `'${text}' is a prefix; give a single address${parseIpAddress(address).ok ? ` such as ${address}` : ''}` };
  }
  if (/^\d+\.\d+\.\d+\.\d+$/.test(text) && text.split('.').some((octet) => /^0\d/.test(octet))) {
    const fixed = text
      .split('.')
      .map((octet) => String(Number(octet)))
      .join('.');
    return { ok: false, reason: `'${text}' has an IPv4 part with a leading zero, which some tools read as octal; write ${fixed}` };
  }
  const parsed = parseIpAddress(text);
  if (!parsed.ok) return parsed;
  return { ok: true, value: canonicalAddress(parsed.value) };
}

function canonicalAddress(address: IpAddress): string {
  const { bytes } = address;
  if (address.family === 6 && bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return Array.from(bytes.subarray(12)).join('.');
  }
  return formatAddress(address);
}
