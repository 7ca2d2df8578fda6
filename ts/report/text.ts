// The attack report in plain text, for the notify script's standard input and the e-mail body.
import type { AttackRecord, Ban, TopEntry } from '../attacks/types.js';
import type { BanEvent } from '../integrations/types.js';
import { attackTypeName, formatRate, PROTOCOL_ORDER, protocolName, thresholdMetricParts } from './labels.js';
import { eventHeadline } from './subject.js';
import { renderTable } from './table.js';

export function renderTextReport(event: BanEvent): string {
  const lines = [`floodwatch: ${eventHeadline(event)}`, ''];
  lines.push(...fields(event.attack ? attackFields(event.attack, event.ban) : banOnlyFields(event.ban)));
  if (event.attack) lines.push(...attackDetailSections(event.attack));
  return lines.join('\n') + '\n';
}

/** The protocol breakdown and the top lists of an attack, each section after a blank line. */
export function attackDetailSections(attack: AttackRecord): string[] {
  const estimated = attack.top_estimated ? ' (estimated from sampled records)' : '';
  return [
    '',
    ...protocolSection(attack),
    '',
    ...topSection(`Top sources${estimated}`, 'address', attack.top_sources),
    '',
    ...topSection(`Top source ports${estimated}`, 'port', attack.top_source_ports),
    '',
    ...topSection(`Top destination ports${estimated}`, 'port', attack.top_destination_ports),
  ];
}

function fields(pairs: [string, string][]): string[] {
  const width = Math.max(...pairs.map(([label]) => label.length)) + 2;
  return pairs.map(([label, value]) => `${label}:`.padEnd(width) + value);
}

function attackFields(attack: AttackRecord, ban: Ban): [string, string][] {
  const { scope, unit } = thresholdMetricParts(attack.threshold.metric);
  const rate = (value: number) => `${formatRate(value, unit)} ${unit}`;
  const pairs: [string, string][] = [
    ['IP address', attack.ip],
    ['Direction', attack.direction],
    ['Attack type', `${attackTypeName(attack.type)} (${attack.type})`],
    ['Hostgroup', attack.hostgroup],
    ['Threshold crossed', `${scope} ${rate(attack.threshold.value)}, observed ${rate(attack.threshold.observed)}`],
    [
      'Peak',
      `${formatRate(attack.peak.pps, 'pps')} pps, ${formatRate(attack.peak.mbps, 'Mbit/s')} Mbit/s, ` + `${formatRate(attack.peak.flows, 'flows/s')} flows/s`,
    ],
    ['Started', attack.started_at],
    ['Ended', attack.ended_at ?? 'not yet'],
    ...banFields(ban),
    ['Attack id', attack.id],
  ];
  if (attack.pcap) pairs.push(['Fingerprint pcap', `${attack.pcap} (in state_dir)`]);
  return pairs;
}

function banOnlyFields(ban: Ban): [string, string][] {
  return [
    ['IP address', ban.ip],
    ['Direction', ban.direction],
    ['Attack', ban.manual ? 'none (manual ban)' : 'no attack record'],
    ['Hostgroup', ban.hostgroup],
    ...banFields(ban),
  ];
}

function banFields(ban: Ban): [string, string][] {
  const pairs: [string, string][] = [
    ['Banned', `${ban.banned_at} (${ban.manual ? 'manual' : 'automatic'})`],
    ['Ban expires', ban.expires_at],
  ];
  if (ban.comment) pairs.push(['Ban comment', ban.comment]);
  return pairs;
}

function protocolSection(attack: AttackRecord): string[] {
  const classes = Object.keys(attack.protocols).sort(byProtocolOrder);
  if (classes.length === 0) return ['Protocol breakdown', '  none recorded'];
  const rows = classes.map((cls) => {
    const { pps, mbps } = attack.protocols[cls];
    const share = attack.peak.pps > 0 ? `${Math.round((pps / attack.peak.pps) * 100)}%` : '-';
    return [protocolName(cls), formatRate(pps, 'pps'), formatRate(mbps, 'Mbit/s'), share];
  });
  return ['Protocol breakdown', ...renderTable(['protocol', 'pps', 'Mbit/s', 'share of pps'], rows, ['left', 'right', 'right', 'right'])];
}

function byProtocolOrder(a: string, b: string): number {
  const rank = (cls: string) => {
    const i = PROTOCOL_ORDER.indexOf(cls);
    return i === -1 ? PROTOCOL_ORDER.length : i;
  };
  return rank(a) - rank(b) || a.localeCompare(b);
}

function topSection(title: string, keyHeader: string, entries: TopEntry[]): string[] {
  if (entries.length === 0) return [title, '  none recorded'];
  const rows = entries.map((e) => [e.key, String(e.packets), String(e.bytes)]);
  return [title, ...renderTable([keyHeader, 'packets', 'bytes'], rows, ['left', 'right', 'right'])];
}
