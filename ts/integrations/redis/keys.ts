// The names of the keys written, FastNetMon's way: `<prefix>_<rest>`, or `<rest>` alone when the
// prefix is empty. Addresses appear as floodwatch writes them (IPv6 compressed, lower case).

function keyName(prefix: string, rest: string): string {
  return prefix === '' ? rest : `${prefix}_${rest}`;
}

/** FastNetMon's key: the ban's attack report as JSON. */
export function informationKey(prefix: string, ip: string): string {
  return keyName(prefix, `${ip}_information`);
}

/** FastNetMon's key: the attack's flow dump as text. */
export function flowDumpKey(prefix: string, ip: string): string {
  return keyName(prefix, `${ip}_flow_dump`);
}

/** floodwatch's hash per attack; SCAN MATCH `<prefix>_<ip>_attack_*` lists a host's attacks. */
export function attackHashKey(prefix: string, ip: string, attackId: string): string {
  return keyName(prefix, `${ip}_attack_${attackId}`);
}
