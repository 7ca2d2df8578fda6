// FastNetMon's BGP announcements (gobgp, exabgp and their settings) as floodwatch's actions.gobgp
// and actions.exabgp (import-fastnetmon): the banned host's route, and the subnet that covers it.
//
// What FastNetMon 1.2.4 does, and the import keeps: a host route (/32) when *_announce_host is
// on, the networks_list prefix holding the host when *_announce_whole_subnet is on, each with its
// own communities; GoBGP announces IPv6 hosts (/128) only with gobgp_announce_host_ipv6 and never
// an IPv6 subnet; ExaBGP announces IPv4 only. floodwatch announces the host route whenever an
// action announces, for both families, and the covering /ipv4_length or /ipv6_length subnet.
import type { YamlComments, YamlPath } from '../../cli/import-fastnetmon/commented-yaml.js';
import type { FastnetmonKeys } from '../../cli/import-fastnetmon/keys.js';
import { formatAddress, parseIpAddress, parsePrefix } from '../../config/prefix.js';
import { actionsOf } from '../../cli/import-fastnetmon/output.js';
import type { FastnetmonImportContext } from '../types.js';

const GOBGP_KEYS = [
  'gobgp',
  'gobgp_next_hop',
  'gobgp_announce_host',
  'gobgp_announce_whole_subnet',
  'gobgp_community_host',
  'gobgp_community_subnet',
  'gobgp_next_hop_ipv6',
  'gobgp_announce_host_ipv6',
  'gobgp_announce_whole_subnet_ipv6',
  'gobgp_community_host_ipv6',
  'gobgp_community_subnet_ipv6',
];

const EXABGP_KEYS = [
  'exabgp',
  'exabgp_command_pipe',
  'exabgp_community',
  'exabgp_community_host',
  'exabgp_community_subnet',
  'exabgp_next_hop',
  'exabgp_announce_host',
  'exabgp_announce_whole_subnet',
  'exabgp_flow_spec_announces',
];

/** What FastNetMon's GoBGP action uses when a key is not set (or, for a community, not readable). */
const GOBGP_DEFAULTS = { community: '65001:666', nextHop: '0.0.0.0', nextHopIpv6: '100::1' } as const;

/** The host and subnet routes an action announces: actions.NAME.blackhole. */
interface Blackhole {
  next_hop_ipv4?: string;
  next_hop_ipv6?: string;
  communities: string[];
  subnet?: { enabled: boolean; ipv4_length: number; ipv6_length: number; communities: string[] };
}

const HOST_ALWAYS = "floodwatch announces the banned host's own route (/32) whenever it announces, with blackhole.communities";

/** Whether FastNetMon has `name` off; its keys are then reported as not carried. */
function isOff(keys: FastnetmonKeys, name: string, label: string, allKeys: readonly string[]): boolean {
  if (keys.flag(name) ?? false) return false;
  keys.skip(name, `off here; floodwatch's ${label} action is off by default too`);
  for (const key of allKeys.slice(1)) keys.skip(key, `${name} = off`);
  return true;
}

export function carryGobgp(context: FastnetmonImportContext): void {
  const { keys, comments, out, networks } = context;
  if (isOff(keys, 'gobgp', 'GoBGP', GOBGP_KEYS)) return;
  const host = keys.flag('gobgp_announce_host') ?? false;
  const subnet = keys.flag('gobgp_announce_whole_subnet') ?? false;
  const hostIpv6 = keys.flag('gobgp_announce_host_ipv6') ?? false;
  if (!host && !subnet && !hostIpv6) {
    const reason =
      'gobgp = on, but gobgp_announce_host, gobgp_announce_whole_subnet and gobgp_announce_host_ipv6 are off or not set: FastNetMon announces nothing through GoBGP';
    for (const key of GOBGP_KEYS) keys.skip(key, reason);
    keys.notes.push(`${reason}; floodwatch's GoBGP action stays off`);
    return;
  }
  const at: YamlPath = ['actions', 'gobgp'];
  keys.carry('gobgp');
  const gobgp: Record<string, unknown> = { enabled: true };
  comments.after.push([[...at, 'enabled'], 'gobgp = on; gobgpd is reached at api, 127.0.0.1:50051 by default, where FastNetMon looks too']);

  const blackhole: Blackhole = { communities: [] };
  const nextHop = keys.value('gobgp_next_hop') ?? GOBGP_DEFAULTS.nextHop;
  const nextHopParsed = parseIpAddress(nextHop);
  if (nextHopParsed.ok && nextHopParsed.value.family === 4) {
    keys.carry('gobgp_next_hop');
    blackhole.next_hop_ipv4 = formatAddress(nextHopParsed.value);
    comments.after.push([
      [...at, 'blackhole', 'next_hop_ipv4'],
      keys.has('gobgp_next_hop') ? 'gobgp_next_hop' : "gobgp_next_hop not set: FastNetMon's default",
    ]);
  } else {
    switchedOff(keys, gobgp, 'gobgp', 'gobgp_next_hop', `'${nextHop}' is not an IPv4 address`, 'actions.gobgp.blackhole.next_hop_ipv4');
  }

  const hostCommunity = gobgpCommunity(keys, 'gobgp_community_host');
  blackhole.communities = [hostCommunity.value];
  commentCommunities(comments, [...at, 'blackhole', 'communities'], blackhole.communities, hostCommunity.from);
  if (host) {
    keys.carry('gobgp_announce_host');
  } else {
    const why = `${HOST_ALWAYS}; ${subnet ? 'it goes out besides the subnet' : 'IPv4 hosts are announced too'}`;
    keys.skip('gobgp_announce_host', `off: ${why}`);
    keys.notes.push(`gobgp_announce_host = off in FastNetMon: ${why}`);
  }

  if (hostIpv6) {
    keys.carry('gobgp_announce_host_ipv6');
    const nextHopIpv6 = keys.value('gobgp_next_hop_ipv6') ?? GOBGP_DEFAULTS.nextHopIpv6;
    const parsed = parseIpAddress(nextHopIpv6);
    if (parsed.ok && parsed.value.family === 6) {
      keys.carry('gobgp_next_hop_ipv6');
      blackhole.next_hop_ipv6 = formatAddress(parsed.value);
      comments.after.push([
        [...at, 'blackhole', 'next_hop_ipv6'],
        keys.has('gobgp_next_hop_ipv6') ? 'gobgp_next_hop_ipv6' : "gobgp_next_hop_ipv6 not set: FastNetMon's default",
      ]);
    } else {
      // FastNetMon logs that it cannot parse it and keeps its default.
      keys.skip('gobgp_next_hop_ipv6', `'${nextHopIpv6}' is not an IPv6 address: FastNetMon keeps ${GOBGP_DEFAULTS.nextHopIpv6} then, and so does the import`);
      blackhole.next_hop_ipv6 = GOBGP_DEFAULTS.nextHopIpv6;
      comments.after.push([[...at, 'blackhole', 'next_hop_ipv6'], `gobgp_next_hop_ipv6 unreadable: FastNetMon's default`]);
    }
    const ipv6Community = gobgpCommunity(keys, 'gobgp_community_host_ipv6', false);
    if (ipv6Community.value !== hostCommunity.value) {
      const reason = `floodwatch's blackhole.communities hold for IPv4 and IPv6 host routes alike: IPv6 hosts are announced with ${hostCommunity.value} (gobgp_community_host), not ${ipv6Community.value}`;
      keys.skip('gobgp_community_host_ipv6', reason);
      keys.notes.push(`gobgp_community_host_ipv6: ${reason}`);
    } else if (ipv6Community.problem !== undefined) {
      keys.skip('gobgp_community_host_ipv6', ipv6Community.problem);
    } else {
      keys.carry('gobgp_community_host_ipv6');
    }
  } else {
    // gobgp_announce_host_ipv6 itself is carried, or not, by keepIpv6OutOfBgp.
    for (const key of ['gobgp_next_hop_ipv6', 'gobgp_community_host_ipv6']) keys.skip(key, 'gobgp_announce_host_ipv6 = off');
  }

  if (subnet) {
    keys.carry('gobgp_announce_whole_subnet');
    const community = gobgpCommunity(keys, 'gobgp_community_subnet');
    blackhole.subnet = subnetRoute(keys, comments, [...at, 'blackhole', 'subnet'], 'gobgp_announce_whole_subnet', networks, [community.value]);
    commentCommunities(comments, [...at, 'blackhole', 'subnet', 'communities'], [community.value], community.from);
  } else {
    keys.carry('gobgp_announce_whole_subnet');
    keys.skip('gobgp_community_subnet', 'gobgp_announce_whole_subnet = off');
  }
  if (keys.flag('gobgp_announce_whole_subnet_ipv6')) {
    keys.skip(
      'gobgp_announce_whole_subnet_ipv6',
      "FastNetMon 1.2.4 announces no IPv6 subnet through GoBGP (it logs 'we do not support IPv6 per subnet announces'): nothing to carry",
    );
  } else {
    keys.carry('gobgp_announce_whole_subnet_ipv6');
  }
  keys.skip('gobgp_community_subnet_ipv6', 'FastNetMon 1.2.4 announces no IPv6 subnet through GoBGP, so it never uses this community');

  if (!hostIpv6 && gobgp.enabled === false) keys.skip('gobgp_announce_host_ipv6', 'the GoBGP action is carried switched off (see gobgp_next_hop)');

  gobgp.blackhole = ordered(blackhole);
  actionsOf(out).gobgp = gobgp;
  if (gobgp.enabled === true && !hostIpv6) context.ipv4OnlyActions.push({ name: 'gobgp', label: 'GoBGP' });
}

export function carryExabgp(context: FastnetmonImportContext): void {
  const { keys, comments, out, networks } = context;
  if (isOff(keys, 'exabgp', 'ExaBGP', EXABGP_KEYS)) return;
  // FastNetMon turns ExaBGP off without a pipe or a next hop.
  const missing = ['exabgp_command_pipe', 'exabgp_next_hop'].filter((key) => (keys.value(key) ?? '') === '');
  const host = keys.flag('exabgp_announce_host') ?? false;
  const subnet = keys.flag('exabgp_announce_whole_subnet') ?? false;
  if (missing.length > 0 || (!host && !subnet)) {
    const reason =
      missing.length > 0
        ? `exabgp = on, but ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set: FastNetMon turns ExaBGP off then`
        : 'exabgp = on, but exabgp_announce_host and exabgp_announce_whole_subnet are off or not set: FastNetMon announces nothing through ExaBGP';
    for (const key of EXABGP_KEYS) keys.skip(key, reason);
    keys.notes.push(`${reason}; floodwatch's ExaBGP action stays off`);
    return;
  }
  const at: YamlPath = ['actions', 'exabgp'];
  keys.carry('exabgp', 'exabgp_command_pipe');
  const pipe = keys.value('exabgp_command_pipe')!;
  const exabgp: Record<string, unknown> = { enabled: true, pipe };
  comments.after.push([[...at, 'enabled'], 'exabgp = on']);
  comments.after.push([
    [...at, 'pipe'],
    'exabgp_command_pipe; floodwatch writes the same ExaBGP API commands into it (mode: pipe), one a line, as FastNetMon does',
  ]);

  const blackhole: Blackhole = { communities: [] };
  const nextHop = keys.value('exabgp_next_hop')!;
  const parsed = parseIpAddress(nextHop);
  if (parsed.ok && parsed.value.family === 4) {
    keys.carry('exabgp_next_hop');
    blackhole.next_hop_ipv4 = formatAddress(parsed.value);
    comments.after.push([[...at, 'blackhole', 'next_hop_ipv4'], 'exabgp_next_hop']);
  } else {
    switchedOff(keys, exabgp, 'exabgp', 'exabgp_next_hop', `'${nextHop}' is not an IPv4 address`, 'actions.exabgp.blackhole.next_hop_ipv4');
  }

  // Each announcement's communities, or exabgp_community for those without their own.
  const hostSource = keys.has('exabgp_community_host') ? 'exabgp_community_host' : 'exabgp_community';
  const subnetSource = keys.has('exabgp_community_subnet') ? 'exabgp_community_subnet' : 'exabgp_community';
  blackhole.communities = exabgpCommunities(keys, hostSource);
  commentCommunities(comments, [...at, 'blackhole', 'communities'], blackhole.communities, hostSource);
  if (host) {
    keys.carry('exabgp_announce_host');
  } else {
    const why = `${HOST_ALWAYS}; it goes out besides the subnet`;
    keys.skip('exabgp_announce_host', `off: ${why}`);
    keys.notes.push(`exabgp_announce_host = off in FastNetMon: ${why}`);
  }
  keys.carry('exabgp_announce_whole_subnet');
  if (subnet) {
    const communities = exabgpCommunities(keys, subnetSource);
    blackhole.subnet = subnetRoute(keys, comments, [...at, 'blackhole', 'subnet'], 'exabgp_announce_whole_subnet', networks, communities);
    commentCommunities(comments, [...at, 'blackhole', 'subnet', 'communities'], communities, subnetSource);
  } else {
    keys.skip('exabgp_community_subnet', 'exabgp_announce_whole_subnet = off');
  }
  if (hostSource !== 'exabgp_community' && (!subnet || subnetSource !== 'exabgp_community')) {
    keys.skip(
      'exabgp_community',
      subnet
        ? 'exabgp_community_host and exabgp_community_subnet take its place'
        : 'exabgp_community_host takes its place, and exabgp_announce_whole_subnet = off',
    );
  }
  keys.skip(
    'exabgp_flow_spec_announces',
    'FastNetMon 1.2.4 no longer reads it (its FlowSpec announcements went with its DPI): nothing to carry; floodwatch can announce FlowSpec rules built from each attack: actions.exabgp.flowspec',
  );

  exabgp.blackhole = ordered(blackhole);
  actionsOf(out).exabgp = exabgp;
  if (exabgp.enabled === true) context.ipv4OnlyActions.push({ name: 'exabgp', label: 'ExaBGP' });
}

/**
 * The subnet route. FastNetMon's is the networks_list prefix holding the host; floodwatch's is
 * the covering /ipv4_length, one length for all: the longest below /32 that the list has, so
 * that a host of a shorter prefix gets a narrower subnet announced, never a wider one.
 */
function subnetRoute(
  keys: FastnetmonKeys,
  comments: YamlComments,
  at: YamlPath,
  key: string,
  networks: string[] | undefined,
  communities: string[],
): NonNullable<Blackhole['subnet']> {
  const prefixes = (networks ?? []).flatMap((text) => {
    const parsed = parsePrefix(text);
    return parsed.ok && parsed.value.family === 4 ? [{ text, length: parsed.value.length }] : [];
  });
  const lengths = [...new Set(prefixes.map((prefix) => prefix.length))].sort((a, b) => a - b);
  const below32 = lengths.filter((length) => length < 32);
  const ipv4Length = lengths.length === 0 ? 24 : below32.length === 0 ? 32 : Math.max(8, below32[below32.length - 1]!);
  const what = `${key} = on: FastNetMon announces the networks_list prefix that holds the banned host, floodwatch the covering /ipv4_length`;
  let from: string;
  if (lengths.length === 0) {
    from = "no IPv4 prefix in the networks list: floodwatch's default";
    keys.notes.push(`${what}; the networks list has no IPv4 prefix here, so ipv4_length is floodwatch's default, 24: check it`);
  } else if (lengths.length === 1) {
    from = ipv4Length === lengths[0] ? `every IPv4 prefix of the networks list is a /${ipv4Length}` : 'see the notes of the import';
    if (ipv4Length === 32) from += ': the subnet is the host route itself, so none goes out';
    if (ipv4Length !== lengths[0]) keys.notes.push(`${what}; the networks list has /${lengths[0]} prefixes only, and floodwatch's shortest is /8: check it`);
  } else {
    from = `the longest below /32 of the networks list's ${lengths.map((length) => `/${length}`).join(', ')}: see the notes`;
    const wider = prefixes.filter((prefix) => prefix.length > ipv4Length).map((prefix) => prefix.text);
    const shown = wider.slice(0, 3).join(', ') + (wider.length > 3 ? ` and ${wider.length - 3} more` : '');
    keys.notes.push(
      `${what}; the networks list has ${lengths.map((length) => `/${length}`).join(', ')} prefixes: ipv4_length is ${ipv4Length}, ` +
        `so a host of a shorter prefix gets a narrower subnet announced than with FastNetMon` +
        (wider.length > 0 ? `, and a host of ${shown} a wider one` : '') +
        ': check it',
    );
  }
  comments.after.push([[...at, 'enabled'], key]);
  comments.after.push([[...at, 'ipv4_length'], from]);
  comments.after.push([[...at, 'ipv6_length'], 'FastNetMon announces no IPv6 subnet: 128 is the host route itself, so none goes out']);
  return { enabled: true, ipv4_length: ipv4Length, ipv6_length: 128, communities };
}

/**
 * FastNetMon's GoBGP community: one ASN:VALUE, 65001:666 when not set or not readable. Carries
 * the key, or says why not, unless `decide` is false.
 */
function gobgpCommunity(keys: FastnetmonKeys, key: string, decide = true): { value: string; from: string; problem?: string } {
  const text = keys.value(key);
  if (text === undefined) return { value: GOBGP_DEFAULTS.community, from: `${key} not set: FastNetMon's default` };
  const community = parseCommunity(text);
  if (community === undefined) {
    const problem = `'${text}' is not a BGP community ASN:VALUE (each 0 to 65535): FastNetMon uses ${GOBGP_DEFAULTS.community} then, and so does the import`;
    if (decide) keys.skip(key, problem);
    return { value: GOBGP_DEFAULTS.community, from: `${key} unreadable: FastNetMon's default`, problem };
  }
  if (decide) keys.carry(key);
  return { value: community, from: key };
}

/** ExaBGP's `community` as FastNetMon passes it on: `65001:666`, or `[65001:666 65001:777]`. */
function exabgpCommunities(keys: FastnetmonKeys, key: string): string[] {
  const text = keys.value(key);
  if (text === undefined || text.trim() === '') {
    keys.notes.push(`${key} is not set: FastNetMon's ExaBGP announcements carry no community, and floodwatch's neither`);
    return [];
  }
  const words = text
    .trim()
    .replace(/^\[(.*)\]$/s, '$1')
    .split(/\s+/)
    .filter(Boolean);
  const communities: string[] = [];
  const refused: string[] = [];
  for (const word of words) {
    const community = parseCommunity(word);
    if (community === undefined) refused.push(word);
    else if (!communities.includes(community)) communities.push(community);
  }
  if (refused.length > 0) {
    keys.skip(
      key,
      `floodwatch takes communities as ASN:VALUE (each 0 to 65535): ${refused.map((word) => `'${word}'`).join(', ')} ${refused.length > 1 ? 'are' : 'is'} not; ` +
        (communities.length > 0 ? `carried: ${communities.join(' ')}` : 'none carried'),
    );
  } else {
    keys.carry(key);
  }
  return communities;
}

/** Where a list of communities comes from: after its one item, or before the list. */
function commentCommunities(comments: YamlComments, at: YamlPath, communities: string[], from: string): void {
  if (communities.length === 1) comments.after.push([[...at, 0], from]);
  else comments.before.push([at, from]);
}

/** "ASN:VALUE", 16 bits each, as floodwatch writes it; undefined when it is not one. */
function parseCommunity(text: string): string | undefined {
  const match = /^(\d{1,5}):(\d{1,5})$/.exec(text);
  if (!match || Number(match[1]) > 65535 || Number(match[2]) > 65535) return undefined;
  return `${Number(match[1])}:${Number(match[2])}`;
}

/** An action whose next hop cannot be carried: carried switched off, as the notify script is. */
function switchedOff(keys: FastnetmonKeys, action: Record<string, unknown>, name: string, key: string, problem: string, setting: string): void {
  action.enabled = false;
  const reason = `${problem}: the ${name} action is carried switched off`;
  keys.skip(key, reason);
  keys.notes.push(`${key}: ${reason}; set ${setting} and enabled: true`);
}

/** The blackhole keys in the order config/floodwatch.example.yaml shows them. */
function ordered(blackhole: Blackhole): Blackhole {
  const { next_hop_ipv4, next_hop_ipv6, communities, subnet } = blackhole;
  return {
    ...(next_hop_ipv4 !== undefined ? { next_hop_ipv4 } : {}),
    ...(next_hop_ipv6 !== undefined ? { next_hop_ipv6 } : {}),
    communities,
    ...(subnet !== undefined ? { subnet } : {}),
  };
}
