// The string formats of the configuration schema, registered with TypeBox, each with what it
// expects and why a value does not fit it.
import { FormatRegistry } from '@sinclair/typebox';
import { parseListenAddress } from './listen-address.js';
import { parseIpAddress, parsePrefix, type Parsed } from './prefix.js';

interface StringFormat {
  /** What a value should look like, for "expected ..." messages. */
  expected: string;
  parse(value: string): Parsed<unknown>;
}

const HOST_NAME = /^(?=.{1,253}\.?$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/i;

export const STRING_FORMATS = {
  'ip-prefix': {
    expected: 'an IP prefix such as 192.0.2.0/24 or 2001:db8::/32',
    parse: parsePrefix,
  },
  'ip-address': {
    expected: 'an IP address such as 192.0.2.1 or 2001:db8::1',
    parse: parseIpAddress,
  },
  'listen-address': {
    expected: 'a listen address such as 0.0.0.0:2055 or [::]:2055',
    parse: parseListenAddress,
  },
  'host-name': {
    expected: 'a host name such as floodwatch.example.net, or an IP address',
    parse: (value: string): Parsed<string> =>
      HOST_NAME.test(value) || parseIpAddress(value).ok
        ? { ok: true, value }
        : { ok: false, reason: `'${value}' is not a host name (write the name alone, without scheme or port, e.g. floodwatch.example.net)` },
  },
  'email-address': {
    expected: 'an e-mail address such as noc@example.net',
    parse: (value: string): Parsed<string> =>
      /^[^@\s<>]+@[^@\s<>]+$/.test(value) || /^[^<>]*<[^@\s<>]+@[^@\s<>]+>$/.test(value)
        ? { ok: true, value }
        : { ok: false, reason: `'${value}' is not an e-mail address (write name@domain, or "Name <name@domain>")` },
  },
} satisfies Record<string, StringFormat>;

export type StringFormatName = keyof typeof STRING_FORMATS;

for (const [name, format] of Object.entries(STRING_FORMATS)) {
  FormatRegistry.Set(name, (value) => format.parse(value).ok);
}

export function formatOf(name: string): StringFormat | undefined {
  return (STRING_FORMATS as Record<string, StringFormat>)[name];
}
