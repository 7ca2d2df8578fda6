// Converts a FastNetMon 1.2.4 configuration into floodwatch's: every key is either carried into
// the YAML, or reported as not carried with the reason.
import { renderCommentedYaml, YamlComments, type YamlPath } from './commented-yaml.js';
import { INTEGRATIONS } from '../../integrations/registry.js';
import type { FastnetmonImportContext, IntegrationDefinition } from '../../integrations/types.js';
import { keepIpv6OutOf } from './ipv6.js';
import type { FastnetmonConf } from './conf.js';
import { FastnetmonKeys, FEATURES_NOT_CARRIED, knownReasonNotCarried } from './keys.js';
import { carryMirror } from './mirror.js';
import { formatAddress, formatPrefix, parseIpAddress, parseLenientPrefix } from '../../config/prefix.js';
import { parsePrefixList } from './prefix-list.js';
import { LOG_LEVELS, type DirectionThresholds, type Hostgroup, type Thresholds } from '../../config/schema.js';

/** A prefix list file named by the configuration or by a flag, as the caller could read it. */
export interface PrefixListFile {
  path: string;
  /** Named by --networks / --whitelist rather than by the configuration. */
  fromFlag: boolean;
  text?: string;
  /** Why it could not be read. */
  error?: string;
}

export interface FastnetmonInput {
  confPath: string;
  conf: FastnetmonConf;
  networks: PrefixListFile;
  whitelist: PrefixListFile;
}

export interface NotCarried {
  key: string;
  reason: string;
}

export interface FastnetmonImport {
  /** floodwatch's configuration, commented; `parseConfig` accepts it as it is. */
  yaml: string;
  carried: string[];
  notCarried: NotCarried[];
  /** What the operator should know about what was carried. */
  notes: string[];
}

/** Where FastNetMon looks for its lists when the configuration does not say. */
export const FASTNETMON_DEFAULT_PATHS = {
  networks_list_path: '/etc/networks_list',
  white_list_path: '/etc/networks_whitelist',
} as const;

const PROTOCOLS = ['tcp', 'udp', 'icmp'] as const;

/** FastNetMon's ban settings: a threshold and the switch that turns it on, and where it goes. */
const THRESHOLD_RULES: { at: string[]; threshold: string; switch: string }[] = [
  { at: ['pps'], threshold: 'threshold_pps', switch: 'ban_for_pps' },
  { at: ['mbps'], threshold: 'threshold_mbps', switch: 'ban_for_bandwidth' },
  { at: ['flows'], threshold: 'threshold_flows', switch: 'ban_for_flows' },
  ...PROTOCOLS.flatMap((protocol) => [
    { at: [protocol, 'pps'], threshold: `threshold_${protocol}_pps`, switch: `ban_for_${protocol}_pps` },
    { at: [protocol, 'mbps'], threshold: `threshold_${protocol}_mbps`, switch: `ban_for_${protocol}_bandwidth` },
  ]),
];

/** The keys a hostgroup NAME can set as NAME_KEY. */
const BAN_SETTING_KEYS = ['enable_ban', 'enable_ban_ipv6', ...THRESHOLD_RULES.flatMap((rule) => [rule.threshold, rule.switch])];

export function importFastnetmon(input: FastnetmonInput): FastnetmonImport {
  const keys = new FastnetmonKeys(input.conf.values);
  const comments = new YamlComments();
  const out: Record<string, unknown> = {};

  for (const { line, text } of input.conf.malformed) {
    keys.notes.push(`${input.confPath} line ${line}: '${text}' is not a key = value line: FastNetMon ignores it, and so does the import`);
  }
  for (const key of input.conf.repeated) {
    keys.notes.push(`${key} is set more than once: the last value counts, as in FastNetMon`);
  }

  carryLogLevel(keys, comments, out);
  carryListen(keys, comments, out);
  carryMirror(keys, comments, out);
  carryNetworks(input, keys, comments, out);
  carryWhitelist(input, keys, comments, out);
  carryAveraging(keys, comments, out);
  const directions = processedDirections(keys);
  carryThresholds(keys, comments, out, directions);
  carryBan(keys, comments, out);
  carryHostgroups(input, keys, comments, out, directions);
  const context: FastnetmonImportContext = { keys, comments, out, networks: out.networks as string[] | undefined, ipv4OnlyActions: [] };
  for (const integration of INTEGRATIONS as readonly IntegrationDefinition[]) integration.importFastnetmon?.(context);
  keepIpv6OutOf(context);
  reportTheRest(keys);

  const yaml = renderCommentedYaml(out, header(input), comments);
  return {
    yaml,
    carried: [...keys.carried],
    notCarried: [...input.conf.values.keys()].filter((key) => keys.notCarried.has(key)).map((key) => ({ key, reason: keys.notCarried.get(key)! })),
    notes: [...new Set(keys.notes)],
  };
}

function carryLogLevel(keys: FastnetmonKeys, comments: YamlComments, out: Record<string, unknown>): void {
  const level = keys.value('logging_level');
  if (level === undefined) return;
  if ((LOG_LEVELS as readonly string[]).includes(level)) {
    out.log_level = level;
    keys.carry('logging_level');
    comments.after.push([['log_level'], 'logging_level']);
  } else {
    keys.skip('logging_level', `'${level}' is not a floodwatch log level (${LOG_LEVELS.join(', ')})`);
  }
}

function carryListen(keys: FastnetmonKeys, comments: YamlComments, out: Record<string, unknown>): void {
  const sources = [
    { name: 'netflow', on: keys.flag('netflow') ?? false, defaultPort: '2055' },
    { name: 'sflow', on: keys.flag('sflow') ?? false, defaultPort: '6343' },
  ];
  const related = (name: string) => [name, `${name}_port`, `${name}_host`];
  if (!sources.some((source) => source.on)) {
    for (const source of sources) for (const key of related(source.name)) keys.skip(key, 'netflow and sflow are both off here');
    keys.notes.push(
      'netflow and sflow are both off: FastNetMon collects no flows with this file; floodwatch keeps its default listeners, 2055, 4739 and 6343 on every address: set sources.flow.listen to change them',
    );
    return;
  }
  const listen: string[] = [];
  for (const source of sources) {
    keys.carry(source.name);
    if (!source.on) {
      for (const key of related(source.name).slice(1)) keys.skip(key, `${source.name} = off`);
      continue;
    }
    const hostKey = `${source.name}_host`;
    const portKey = `${source.name}_port`;
    const host = keys.value(hostKey) ?? '0.0.0.0';
    let hosts = listenHosts(host);
    if (hosts) {
      keys.carry(hostKey);
    } else {
      keys.skip(hostKey, `'${host}' is not an IP address: floodwatch listens on addresses; listening on every address (0.0.0.0 and [::]) instead`);
      hosts = ['0.0.0.0', '[::]'];
    }
    const ports = (keys.value(portKey) ?? source.defaultPort).split(',').map((port) => port.trim());
    const badPorts = ports.filter((port) => !/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535);
    if (badPorts.length > 0) {
      keys.notes.push(`${portKey}: ${badPorts.map((port) => `'${port}'`).join(', ')} is not a port from 1 to 65535: left out`);
    }
    keys.carry(portKey);
    for (const port of ports.filter((port) => !badPorts.includes(port))) {
      for (const h of hosts) if (!listen.includes(`${h}:${port}`)) listen.push(`${h}:${port}`);
    }
  }
  if (listen.length === 0) {
    keys.notes.push("no usable NetFlow or sFlow listen address: floodwatch's default listeners are kept");
    return;
  }
  out.sources = { flow: { listen } };
  comments.before.push([['sources', 'flow'], 'From netflow/sflow, their _host and _port. Every port decodes NetFlow v5/v9, IPFIX and sFlow alike.']);
}

function listenHosts(host: string): string[] | undefined {
  // FastNetMon binds both families for these two.
  if (host === '::') return ['0.0.0.0', '[::]'];
  if (host === '::1') return ['127.0.0.1', '[::1]'];
  const parsed = parseIpAddress(host);
  if (!parsed.ok) return undefined;
  const text = formatAddress(parsed.value);
  return [parsed.value.family === 4 ? text : `[${text}]`];
}

function carryNetworks(input: FastnetmonInput, keys: FastnetmonKeys, comments: YamlComments, out: Record<string, unknown>): void {
  const file = input.networks;
  const key = 'networks_list_path';
  const fallback = "networks stay at floodwatch's default, every address, 0.0.0.0/0 and ::/0: list your prefixes under networks";
  if (file.fromFlag) keys.skip(key, `--networks ${file.path} was given instead`);
  if (file.text === undefined) {
    keys.skip(key, `${file.path}: ${file.error ?? 'not read'}`);
    keys.notes.push(`networks: ${file.path} could not be read (${file.error ?? 'not read'}): ${fallback}`);
    return;
  }
  const list = parsePrefixList(file.text, file.path);
  keys.notes.push(...list.notes);
  if (list.prefixes.length === 0) {
    keys.skip(key, `${file.path} lists no prefix`);
    keys.notes.push(`networks: ${file.path} lists no prefix: ${fallback}`);
    return;
  }
  keys.carry(key);
  out.networks = list.prefixes;
  comments.before.push([['networks'], `From ${file.path}.`]);
}

function carryWhitelist(input: FastnetmonInput, keys: FastnetmonKeys, comments: YamlComments, out: Record<string, unknown>): void {
  const file = input.whitelist;
  const key = 'white_list_path';
  const whitelist: string[] = [];
  if (file.fromFlag) keys.skip(key, `--whitelist ${file.path} was given instead`);
  if (file.text === undefined) {
    keys.skip(key, `${file.path}: ${file.error ?? 'not read'}`);
    keys.notes.push(`whitelist: ${file.path} could not be read (${file.error ?? 'not read'}): no whitelist carried`);
  } else {
    const list = parsePrefixList(file.text, file.path);
    keys.notes.push(...list.notes);
    whitelist.push(...list.prefixes);
    keys.carry(key);
    comments.before.push([['whitelist'], `From ${file.path}.`]);
  }
  // FastNetMon detects IPv6 attacks but does not ban for them: never banning is what the
  // whitelist means here.
  const banIpv6 = keys.flag('enable_ban_ipv6');
  if (banIpv6 === false && keys.flag('enable_ban') !== false) {
    if (!whitelist.includes('::/0')) whitelist.push('::/0');
    keys.carry('enable_ban_ipv6');
    keys.notes.push('enable_ban_ipv6 = off: carried as ::/0 in the whitelist, so that no IPv6 host is banned');
  } else if (banIpv6 === false) {
    keys.skip('enable_ban_ipv6', 'enable_ban = off already bans nothing');
  } else {
    keys.skip('enable_ban_ipv6', 'floodwatch bans IPv4 and IPv6 hosts alike, as this file asks');
  }
  if (file.text !== undefined || whitelist.length > 0) out.whitelist = whitelist;
}

function carryAveraging(keys: FastnetmonKeys, comments: YamlComments, out: Record<string, unknown>): void {
  const seconds = keys.integer('average_calculation_time');
  if (seconds === undefined) return;
  if (seconds === 0) {
    keys.skip('average_calculation_time', "0 turns FastNetMon's averaging off; floodwatch always averages: its default window (1000 ms) is kept");
    return;
  }
  keys.carry('average_calculation_time');
  out.counters = { average_window_ms: seconds * 1000 };
  comments.after.push([['counters', 'average_window_ms'], `average_calculation_time = ${seconds}; floodwatch's default is 1000`]);
  if (seconds * 1000 !== 1000) {
    keys.notes.push(
      `counters.average_window_ms: ${seconds * 1000} from average_calculation_time = ${seconds} (FastNetMon's default is 5 s). ` +
        "floodwatch's default, 1000 ms, is what catches a flood within a second: remove the line to use it",
    );
  }
}

function processedDirections(keys: FastnetmonKeys): { incoming: boolean; outgoing: boolean } {
  keys.carry('process_incoming_traffic', 'process_outgoing_traffic');
  return {
    incoming: keys.flag('process_incoming_traffic') ?? true,
    outgoing: keys.flag('process_outgoing_traffic') ?? true,
  };
}

/**
 * FastNetMon's thresholds (prefixed `NAME_` for a hostgroup) hold for both directions; a
 * direction FastNetMon does not process gets none.
 */
function thresholdsFrom(
  keys: FastnetmonKeys,
  prefix: string,
  directions: { incoming: boolean; outgoing: boolean },
): { thresholds: Thresholds; onFrom: Map<string, string>; off: string[] } {
  const rates: Record<string, unknown> = {};
  const onFrom = new Map<string, string>();
  const off: string[] = [];
  for (const rule of THRESHOLD_RULES) {
    const switchKey = prefix + rule.switch;
    const thresholdKey = prefix + rule.threshold;
    if (!(keys.flag(switchKey) ?? false)) {
      keys.carry(switchKey, thresholdKey);
      if (keys.has(thresholdKey))
        off.push(`${thresholdKey} = ${keys.value(thresholdKey)} (${keys.has(switchKey) ? `${switchKey} = off` : `${switchKey} not set`})`);
      continue;
    }
    const value = keys.integer(thresholdKey);
    if (!value) {
      const reason = `${switchKey} = on but ${thresholdKey} is ${value === 0 ? '0' : 'not set or not a number'}: a zero threshold would ban any traffic, so it is left out`;
      keys.skip(switchKey, reason);
      keys.skip(thresholdKey, reason);
      continue;
    }
    keys.carry(switchKey, thresholdKey);
    setIn(rates, rule.at, value);
    onFrom.set(rule.at.join('.'), `${thresholdKey}, ${switchKey} = on`);
  }
  const thresholds: Thresholds = {
    incoming: directions.incoming ? (structuredClone(rates) as DirectionThresholds) : {},
    outgoing: directions.outgoing ? (structuredClone(rates) as DirectionThresholds) : {},
  };
  return { thresholds, onFrom, off };
}

function carryThresholds(
  keys: FastnetmonKeys,
  comments: YamlComments,
  out: Record<string, unknown>,
  directions: { incoming: boolean; outgoing: boolean },
): void {
  const { thresholds, onFrom, off } = thresholdsFrom(keys, '', directions);
  out.thresholds = thresholds;
  commentThresholds(comments, ['thresholds'], directions, onFrom, off);
}

function commentThresholds(
  comments: YamlComments,
  at: YamlPath,
  directions: { incoming: boolean; outgoing: boolean },
  onFrom: Map<string, string>,
  off: string[],
): void {
  const lines = ["From FastNetMon's thresholds, which hold for each direction. Those it has off are left out (off):"];
  lines.push(...(off.length > 0 ? off.map((text) => `  ${text}`) : ['  none']));
  comments.before.push([at, lines.join('\n')]);
  for (const direction of ['incoming', 'outgoing'] as const) {
    if (!directions[direction]) {
      comments.before.push([[...at, direction], `process_${direction}_traffic = off: no thresholds`]);
      continue;
    }
    for (const [path, from] of onFrom) comments.after.push([[...at, direction, ...path.split('.')], from]);
  }
}

function carryBan(keys: FastnetmonKeys, comments: YamlComments, out: Record<string, unknown>): void {
  const ban: Record<string, unknown> = {};
  const enabled = keys.flag('enable_ban');
  if (enabled !== undefined) {
    ban.enabled = enabled;
    keys.carry('enable_ban');
    comments.after.push([['ban', 'enabled'], 'enable_ban']);
  }
  const time = keys.integer('ban_time');
  if (time === 0) {
    keys.skip(
      'ban_time',
      "0 keeps FastNetMon's bans forever; floodwatch's bans always end: its default, 1900 s, is kept (unban by hand with `floodwatch unban IP`)",
    );
  } else if (time !== undefined) {
    ban.time_seconds = time;
    keys.carry('ban_time');
    comments.after.push([['ban', 'time_seconds'], 'ban_time']);
  }
  const untilFinished = keys.flag('unban_only_if_attack_finished');
  if (untilFinished !== undefined) {
    ban.unban_only_if_attack_finished = untilFinished;
    keys.carry('unban_only_if_attack_finished');
    comments.after.push([['ban', 'unban_only_if_attack_finished'], 'unban_only_if_attack_finished']);
  }
  if (Object.keys(ban).length > 0) out.ban = ban;
}

function carryHostgroups(
  input: FastnetmonInput,
  keys: FastnetmonKeys,
  comments: YamlComments,
  out: Record<string, unknown>,
  directions: { incoming: boolean; outgoing: boolean },
): void {
  const groups: Hostgroup[] = [];
  const owner = new Map<string, string>();
  for (const line of input.conf.hostgroups) {
    const colon = line.indexOf(':');
    const name = colon < 0 ? '' : line.slice(0, colon).trim();
    if (name === '') {
      keys.notes.push(`hostgroup = ${line}: not NAME:PREFIX,PREFIX...: left out`);
      continue;
    }
    if (groups.some((group) => group.name === name)) {
      keys.notes.push(`hostgroup ${name} is defined twice: FastNetMon keeps the first line, and so does the import`);
      continue;
    }
    const prefixes: string[] = [];
    for (const text of line
      .slice(colon + 1)
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean)) {
      const parsed = parseLenientPrefix(text);
      if (!parsed.ok) {
        keys.notes.push(`hostgroup ${name}: skipped: ${parsed.reason}`);
        continue;
      }
      if (parsed.value.adjusted) keys.notes.push(`hostgroup ${name}: ${parsed.value.adjusted}`);
      const prefix = formatPrefix(parsed.value.prefix);
      const previous = owner.get(prefix);
      if (previous !== undefined) {
        keys.notes.push(`hostgroup ${name}: ${prefix} is already in hostgroup ${previous} (FastNetMon forbids it too): left out here`);
        continue;
      }
      owner.set(prefix, name);
      prefixes.push(prefix);
    }
    if (prefixes.length === 0) {
      keys.notes.push(`hostgroup ${name} has no usable prefix: left out`);
      continue;
    }
    const ban = keys.flag(`${name}_enable_ban`) ?? false;
    keys.carry(`${name}_enable_ban`);
    const { thresholds, onFrom, off } = thresholdsFrom(keys, `${name}_`, directions);
    const at = ['hostgroups', groups.length];
    groups.push({ name, prefixes, ban, thresholds });
    commentThresholds(comments, [...at, 'thresholds'], directions, onFrom, off);
    comments.after.push([[...at, 'ban'], keys.has(`${name}_enable_ban`) ? `${name}_enable_ban` : `${name}_enable_ban not set: off, as in FastNetMon`]);
    keys.skip(`${name}_enable_ban_ipv6`, 'FastNetMon 1.2.4 hostgroups hold IPv4 prefixes only');
  }
  if (input.conf.hostgroups.length > 0) {
    if (groups.length > 0) keys.carry('hostgroup');
    else keys.skip('hostgroup', 'no hostgroup line could be carried (see the notes)');
  }
  if (groups.length === 0) return;
  out.hostgroups = groups;
  comments.before.push([
    ['hostgroups'],
    'From the hostgroup lines and their NAME_ settings. FastNetMon applies a hostgroup to a host whose\n' +
      'networks_list prefix the hostgroup lists; floodwatch to a host its longest matching prefix holds.',
  ]);
}

function reportTheRest(keys: FastnetmonKeys): void {
  const orphanGroups = new Set<string>();
  const settingPattern = new RegExp(`^(.+)_(${BAN_SETTING_KEYS.join('|')})$`);
  for (const key of keys.remaining()) {
    const known = knownReasonNotCarried(key);
    const group = settingPattern.exec(key)?.[1];
    if (known !== undefined) {
      keys.skip(key, known);
    } else if (key === 'netflow_sampling_ratio') {
      const ratio = keys.value(key);
      keys.skip(
        key,
        ratio === '1'
          ? 'floodwatch takes the sampling rate each exporter reports; 1 asks for nothing more'
          : `floodwatch takes the sampling rate each exporter reports; to force ${ratio} for a NetFlow v9/IPFIX exporter that does not report it, add { exporter: ITS_ADDRESS, rate: ${ratio} } to sources.flow.sampling_overrides`,
      );
      if (ratio !== '1')
        keys.notes.push(`netflow_sampling_ratio = ${ratio}: set it per exporter in sources.flow.sampling_overrides (it needs each exporter's address)`);
    } else if (group !== undefined) {
      orphanGroups.add(group);
      keys.skip(key, `a setting of hostgroup ${group}, which no \`hostgroup = ${group}:PREFIXES\` line defines`);
    } else {
      keys.skip(key, 'not a FastNetMon 1.2.4 key this import knows');
    }
  }
  for (const group of orphanGroups) {
    keys.notes.push(`${group}_* settings belong to hostgroup ${group}, which no hostgroup line defines (commented out?): nothing to carry for it`);
  }
  for (const key of FEATURES_NOT_CARRIED) {
    if (keys.value(key) === 'on' && !keys.carried.has(key)) keys.notes.push(`${key} = on in FastNetMon: ${keys.notCarried.get(key) ?? 'not carried'}`);
  }
}

function header(input: FastnetmonInput): string {
  const lists = [input.networks, input.whitelist].filter((file) => file.text !== undefined).map((file) => file.path);
  return [
    "floodwatch configuration imported by `floodwatch import-fastnetmon` from FastNetMon's",
    `${[input.confPath, ...lists].join(', ')}.`,
    'What has no floodwatch equivalent was listed on its standard error, not here; every key left',
    'out takes the embedded default (see config/floodwatch.example.yaml). Check it with',
    '`floodwatch check-config --config FILE`.',
  ]
    .map((line) => ` ${line}`)
    .join('\n');
}

function setIn(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
  node[path[path.length - 1]!] = value;
}
