// What `floodwatch import-fastnetmon` says on standard error. By default, under a screen: first
// what needs the operator (settings carried with a changed meaning, features lost, files missing,
// lines skipped), then what was not carried, grouped. With --verbose, every note and every key
// not carried with its reason.
import { knownReasonNotCarried } from './keys.js';
import type { NotCarried } from './import.js';

export interface ImportReportInput {
  notes: string[];
  notCarried: NotCarried[];
  carried: number;
  /** FastNetMon's configuration file, whose own malformed lines the notes name. */
  confPath: string;
  /** FastNetMon's values, to tell a feature that is off from one that is on. */
  values: Map<string, string>;
}

/** The switches of features whose other keys count as "off" while the switch is off, by the prefix of their keys. */
const FEATURE_SWITCHES: [RegExp, string][] = [
  [/^redis_/, 'redis_enabled'],
  [/^mongodb_/, 'mongodb_enabled'],
  [/^influxdb/, 'influxdb'],
  [/^graphite/, 'graphite'],
  [/^kafka_/, 'kafka_traffic_export'],
  [/^netmap_/, 'mirror_netmap'],
  [/^prometheus/, 'prometheus'],
];

const MAX_NAMES = 10;

export function renderImportReport(input: ImportReportInput, verbose: boolean): string[] {
  const total = `floodwatch import-fastnetmon: ${input.carried} keys carried, ${input.notCarried.length} not carried`;
  if (verbose) {
    return [...input.notes.map((note) => `note: ${note}`), ...input.notCarried.map(({ key, reason }) => `not carried: ${key} (${reason})`), total];
  }
  const lines: string[] = [];
  const { decided, groups } = notCarriedGroups(input);
  const attention = [...attentionLines(input), ...decided];
  if (attention.length > 0) lines.push('needs attention:', ...attention.map((line) => `  ${line}`));
  if (groups.length > 0) {
    lines.push('not carried (--verbose gives each key with its reason):', ...groups.map((line) => `  ${line}`));
  }
  lines.push(total);
  return lines;
}

/** The notes, with the prefix lists' per-line notes counted per file (the skipped lines named). */
function attentionLines(input: ImportReportInput): string[] {
  const lines: string[] = [];
  const perFile = new Map<string, { changed: number; skipped: string[] }>();
  for (const note of input.notes) {
    const line = /^(.+) line (\d+): (.*)$/.exec(note);
    if (!line || line[1] === input.confPath) {
      lines.push(note);
      continue;
    }
    const file = perFile.get(line[1]!) ?? { changed: 0, skipped: [] };
    if (line[3]!.startsWith('skipped')) file.skipped.push(`line ${line[2]}`);
    else file.changed++;
    perFile.set(line[1]!, file);
  }
  for (const [path, { changed, skipped }] of perFile) {
    const parts = [];
    if (skipped.length > 0) parts.push(`${skipped.join(', ')} skipped (not a prefix)`);
    if (changed > 0) parts.push(`${changed} line${changed === 1 ? '' : 's'} taken with a change (a host as /32, host bits cleared, a duplicate once)`);
    lines.push(`${path}: ${parts.join('; ')}`);
  }
  return lines;
}

/**
 * The keys not carried, grouped; those the import decided about one by one (a value it could not
 * use, a setting floodwatch takes elsewhere) are `decided`, with their reasons.
 */
function notCarriedGroups(input: ImportReportInput): { decided: string[]; groups: string[] } {
  const off: string[] = [];
  const orphans = new Map<string, string[]>();
  const unknown: string[] = [];
  const elsewhere: string[] = [];
  const decided: string[] = [];
  for (const { key, reason } of input.notCarried) {
    const hostgroup = /^a setting of hostgroup (\S+),/.exec(reason);
    if (hostgroup) orphans.set(hostgroup[1]!, [...(orphans.get(hostgroup[1]!) ?? []), key]);
    else if (isOff(key, reason, input.values)) off.push(key);
    else if (reason.startsWith('not a FastNetMon 1.2.4 key')) unknown.push(key);
    else if (knownReasonNotCarried(key) === reason) elsewhere.push(key);
    // A list file named by a flag instead needs nobody's attention.
    else if (!reason.startsWith('--')) decided.push(`not carried: ${key} (${reason})`);
  }
  const lines: string[] = [];
  if (off.length > 0) lines.push(`${count(off)} of features that are off in this file: ${names(off)}`);
  for (const [group, keys] of orphans) lines.push(`${count(keys)} of hostgroup ${group} (${group}_*), which no hostgroup line defines`);
  if (unknown.length > 0) lines.push(`${count(unknown)} FastNetMon 1.2.4 does not have (a typo, or a newer version's?): ${unknown.join(', ')}`);
  if (elsewhere.length > 0) lines.push(`${count(elsewhere)} floodwatch does without, or another way: ${names(elsewhere)}`);
  return { decided, groups: lines };
}

/** Off in this file: its reason says so, or it belongs to a feature whose switch is not on. */
function isOff(key: string, reason: string, values: Map<string, string>): boolean {
  if (/\boff\b/.test(reason) && !/= on\b/.test(reason)) return true;
  const feature = FEATURE_SWITCHES.find(([pattern]) => pattern.test(key));
  return feature !== undefined && values.get(feature[1]) !== 'on';
}

const count = (keys: string[]) => `${keys.length} key${keys.length === 1 ? '' : 's'}`;

/** `gobgp* (12), exabgp* (6), pid_path, ...`: keys sharing their first word counted together, the largest first. */
function names(keys: string[]): string {
  const families = new Map<string, string[]>();
  for (const key of keys) families.set(familyOf(key), [...(families.get(familyOf(key)) ?? []), key]);
  const shown = [...families]
    .sort(([, a], [, b]) => b.length - a.length)
    .map(([family, members]) => (members.length === 1 ? members[0]! : `${family}* (${members.length})`));
  return shown.length <= MAX_NAMES ? shown.join(', ') : `${shown.slice(0, MAX_NAMES).join(', ')} and ${shown.length - MAX_NAMES} more`;
}

/** The first word of a key, or its first two when the first is too short to name anything (af_packet_...). */
function familyOf(key: string): string {
  const words = key.split('_');
  return words[0]!.length < 4 && words.length > 1 ? `${words[0]}_${words[1]}` : words[0]!;
}
