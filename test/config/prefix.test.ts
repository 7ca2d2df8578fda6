import { describe, expect, it } from 'vitest';
import { parseListenAddress } from '../../ts/config/listen-address.js';
import { canonicalPrefix, formatPrefix, parseLenientPrefix, parsePrefix } from '../../ts/config/prefix.js';
import { parsePrefixList } from '../../ts/cli/import-fastnetmon/prefix-list.js';

function reason(result: { ok: boolean; reason?: string }): string | undefined {
  return result.ok ? undefined : result.reason;
}

describe('parsePrefix', () => {
  it.each([
    ['0.0.0.0/0', '0.0.0.0/0'],
    ['192.0.2.0/24', '192.0.2.0/24'],
    ['192.0.2.7/32', '192.0.2.7/32'],
    ['::/0', '::/0'],
    ['2001:DB8:0:0::/32', '2001:db8::/32'],
    ['2001:db8:0:1:0:0:0:0/64', '2001:db8:0:1::/64'],
    ['::ffff:192.0.2.0/120', '::ffff:c000:200/120'],
    ['fe80::/10', 'fe80::/10'],
  ])('accepts %s as %s', (text, canonical) => {
    const parsed = parsePrefix(text);
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(formatPrefix(parsed.value)).toBe(canonical);
  });

  it('refuses host bits and names the network', () => {
    expect(reason(parsePrefix('10.0.0.1/8'))).toBe("'10.0.0.1/8' has host bits set (the network is 10.0.0.0/8)");
    expect(reason(parsePrefix('2001:db8::1/32'))).toBe("'2001:db8::1/32' has host bits set (the network is 2001:db8::/32)");
    expect(reason(parsePrefix('192.0.2.129/25'))).toBe("'192.0.2.129/25' has host bits set (the network is 192.0.2.128/25)");
  });

  it('refuses a bare address and says how to write a host', () => {
    expect(reason(parsePrefix('192.0.2.1'))).toBe("'192.0.2.1' has no prefix length (write 192.0.2.1/32 for a single host)");
    expect(reason(parsePrefix('2001:db8::1'))).toContain('2001:db8::1/128');
  });

  it('refuses bad lengths, bad addresses and zone indexes', () => {
    expect(reason(parsePrefix('10.0.0.0/33'))).toBe("'10.0.0.0/33': the prefix length 33 is out of range (0 to 32 for IPv4)");
    expect(reason(parsePrefix('::/129'))).toContain('0 to 128 for IPv6');
    expect(reason(parsePrefix('10.0.0.0/x'))).toContain("the prefix length 'x' is not a number");
    expect(reason(parsePrefix('10.0.0.0/'))).toContain("the prefix length '' is not a number");
    expect(reason(parsePrefix('10.0.0.256/24'))).toContain("'10.0.0.256' is not an IPv4 or IPv6 address");
    expect(reason(parsePrefix('010.0.0.0/8'))).toContain('is not an IPv4 or IPv6 address');
    expect(reason(parsePrefix('fe80::%eth0/64'))).toContain('zone index');
    expect(reason(parsePrefix('customers'))).toContain('is not an IP prefix');
  });

  it('canonicalizes what it accepts and leaves the rest', () => {
    expect(canonicalPrefix('2001:0DB8::/32')).toBe('2001:db8::/32');
    expect(canonicalPrefix('junk')).toBe('junk');
  });
});

describe('parseLenientPrefix', () => {
  it('takes a bare host as /32 or /128 and clears host bits, saying so', () => {
    const host = parseLenientPrefix('192.0.2.1');
    expect(host.ok && formatPrefix(host.value.prefix)).toBe('192.0.2.1/32');
    expect(host.ok && host.value.adjusted).toContain('single host');
    const v6 = parseLenientPrefix('2001:db8::1');
    expect(v6.ok && formatPrefix(v6.value.prefix)).toBe('2001:db8::1/128');
    const bits = parseLenientPrefix('10.1.2.3/8');
    expect(bits.ok && formatPrefix(bits.value.prefix)).toBe('10.0.0.0/8');
    expect(bits.ok && bits.value.adjusted).toContain('host bits set');
    const exact = parseLenientPrefix('10.0.0.0/8');
    expect(exact.ok && exact.value.adjusted).toBeUndefined();
    expect(parseLenientPrefix('10.0.0.0/40').ok).toBe(false);
  });
});

describe('parsePrefixList', () => {
  it('reads one prefix a line with comments, normalizing and noting each change', () => {
    const list = parsePrefixList('# ours\n\n192.0.2.0/24  # office\n192.0.2.9\n10.9.9.9/8\nbogus\n192.0.2.0/24\n', 'LIST');
    expect(list.prefixes).toEqual(['192.0.2.0/24', '192.0.2.9/32', '10.0.0.0/8']);
    expect(list.notes).toEqual([
      "LIST line 4: '192.0.2.9' is a single host: taken as 192.0.2.9/32",
      "LIST line 5: '10.9.9.9/8' has host bits set: taken as 10.0.0.0/8",
      "LIST line 6: skipped: 'bogus' is not an IPv4 or IPv6 address",
      'LIST line 7: 192.0.2.0/24 is listed already: taken once',
    ]);
  });
});

describe('parseListenAddress', () => {
  it.each(['0.0.0.0:2055', '[::]:2055', '127.0.0.1:0', '[2001:db8::1]:6343'])('accepts %s', (text) => {
    expect(parseListenAddress(text).ok).toBe(true);
  });

  it.each([
    ['0.0.0.0', "'0.0.0.0' has no port (write 0.0.0.0:2055)"],
    ['::', "'::' has no port (write [::]:2055)"],
    [':::2055', "':::2055': write an IPv6 address in brackets, e.g. [::]:2055"],
    ['localhost:2055', "'localhost:2055': localhost is not an IP address (floodwatch listens on addresses, e.g. 0.0.0.0:2055)"],
    ['0.0.0.0:65536', "'0.0.0.0:65536': the port '65536' is not a number from 0 to 65535"],
    ['[192.0.2.1]:2055', "'[192.0.2.1]:2055': brackets are for IPv6 addresses only (write 192.0.2.1:2055)"],
  ])('refuses %s', (text, expected) => {
    expect(reason(parseListenAddress(text))).toBe(expected);
  });
});
