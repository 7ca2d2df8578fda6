// FastNetMon's configuration file (/etc/fastnetmon.conf), read the way FastNetMon 1.2.4 reads it:
// `key = value` lines, '#' comment lines; the last value of a key wins, except `hostgroup`, of
// which every line counts.

export interface FastnetmonConf {
  /** Each key's value, in the order the keys first appear. */
  values: Map<string, string>;
  /** The value of every `hostgroup = NAME:PREFIXES` line, in order. */
  hostgroups: string[];
  /** Lines that are not `key = value`, which FastNetMon ignores too. */
  malformed: { line: number; text: string }[];
  /** Keys given more than once (their last value counts). */
  repeated: string[];
}

export function parseFastnetmonConf(text: string): FastnetmonConf {
  const conf: FastnetmonConf = { values: new Map(), hostgroups: [], malformed: [], repeated: [] };
  text.split(/\r?\n/).forEach((rawLine, index) => {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) return;
    const parts = line.split(/=+/);
    if (parts.length !== 2 || parts[0]!.trim() === '') {
      conf.malformed.push({ line: index + 1, text: line });
      return;
    }
    const key = parts[0]!.trim();
    const value = parts[1]!.trim();
    if (key === 'hostgroup') conf.hostgroups.push(value);
    else if (conf.values.has(key) && !conf.repeated.includes(key)) conf.repeated.push(key);
    conf.values.set(key, value);
  });
  return conf;
}
