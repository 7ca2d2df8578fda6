// A set of IPv4 and IPv6 prefixes to test addresses against (node's BlockList: longest match is
// not needed here, only membership).
import { BlockList, isIPv4 } from 'node:net';

export class PrefixSet {
  readonly #list = new BlockList();
  readonly size: number;

  constructor(prefixes: readonly string[]) {
    for (const prefix of prefixes) {
      const [address, length] = prefix.split('/');
      const family = isIPv4(address) ? 'ipv4' : 'ipv6';
      this.#list.addSubnet(address, Number(length ?? (family === 'ipv4' ? 32 : 128)), family);
    }
    this.size = prefixes.length;
  }

  contains(ip: string): boolean {
    return this.size > 0 && this.#list.check(ip, isIPv4(ip) ? 'ipv4' : 'ipv6');
  }
}
