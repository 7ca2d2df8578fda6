// The one-line summary of an event: the e-mail subject, and the first line of the text report.
import type { BanEvent } from '../integrations/types.js';
import { attackTypeName } from './labels.js';

export function eventHeadline(event: BanEvent): string {
  const ip = event.ban.ip;
  switch (event.kind) {
    case 'ban':
      return `${ip} banned`;
    case 'unban':
      return `${ip} unbanned`;
    case 'attack_details':
      return `attack details for ${ip}`;
  }
}

/** "floodwatch: 203.0.113.10 banned (SYN flood, incoming 41234 pps)" */
export function emailSubject(event: BanEvent): string {
  const { attack, ban } = event;
  const detail = attack
    ? `${attackTypeName(attack.type)}, ${attack.direction} ${Math.round(attack.peak.pps)} pps`
    : `${ban.manual ? 'manual ban' : 'no attack record'}, ${ban.direction}`;
  return `floodwatch: ${eventHeadline(event)} (${detail})`;
}
