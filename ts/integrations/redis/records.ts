// What the Redis integration writes for an event: FastNetMon's report and flow dump, the attack's
// hash fields, and the event itself as the channel and the stream carry it.
import type { AttackRecord, Ban } from '../../attacks/types.js';
import { fastnetmonAttackJson } from '../../report/fastnetmon-json.js';
import { canonicalAttack } from '../../report/json.js';
import { attackDetailSections } from '../../report/text.js';
import type { IntegrationEvent } from '../types.js';

/** The event as JSON: what the channel publishes and the stream's `event` field holds. */
export function eventJson(event: IntegrationEvent, writtenAt: string): string {
  return JSON.stringify({
    kind: event.kind,
    written_at: writtenAt,
    ip: event.ip,
    direction: event.direction,
    hostgroup: event.hostgroup,
    attack: event.attack ? canonicalAttack(event.attack) : null,
    ban: event.ban ? canonicalBan(event.ban) : null,
  });
}

/**
 * Whether the event writes FastNetMon's keys: a ban, and then each later news of the attack the
 * host is banned for (its classified record, its end), so that the keys hold the fullest record.
 */
export function writesInformation(event: IntegrationEvent): boolean {
  if (event.kind === 'ban') return true;
  if (event.kind === 'unban' || event.kind === 'attack_started') return false;
  return event.ban !== null && event.attack !== null && event.ban.attack_id === event.attack.id;
}

/** FastNetMon's `<ip>_information` value. */
export function informationJson(event: IntegrationEvent): string {
  return JSON.stringify(fastnetmonAttackJson({ ip: event.ip, hostgroup: event.hostgroup, action: 'ban', attack: event.attack }));
}

/**
 * FastNetMon's `<ip>_flow_dump` value: the attack's protocol breakdown and top sources, source
 * ports and destination ports, as the text report shows them; null while the top lists are empty.
 */
export function flowDump(attack: AttackRecord | null): string | null {
  if (!attack) return null;
  if (attack.top_sources.length + attack.top_source_ports.length + attack.top_destination_ports.length === 0) return null;
  const header = `floodwatch: attack ${attack.id} on ${attack.ip} (${attack.direction}), started ${attack.started_at}`;
  return [header, ...attackDetailSections(attack)].join('\n') + '\n';
}

/** The attack the event is about: its record's, or the ban's when the record is gone. */
export function attackIdOf(event: IntegrationEvent): string | null {
  return event.attack?.id ?? event.ban?.attack_id ?? null;
}

/** The fields of the attack's hash this event sets. */
export function attackHashFields(event: IntegrationEvent, attackId: string, writtenAt: string): Record<string, string> {
  const fields: Record<string, string> = {
    attack_id: attackId,
    ip: event.ip,
    direction: event.direction,
    hostgroup: event.hostgroup,
    last_event: event.kind,
    updated_at: writtenAt,
  };
  const { attack, ban } = event;
  if (attack) {
    Object.assign(fields, {
      type: attack.type,
      state: attack.ended_at === null ? 'active' : 'ended',
      started_at: attack.started_at,
      ended_at: attack.ended_at ?? '',
      threshold_metric: attack.threshold.metric,
      threshold_value: String(attack.threshold.value),
      threshold_observed: String(attack.threshold.observed),
      peak_pps: String(attack.peak.pps),
      peak_mbps: String(attack.peak.mbps),
      peak_flows: String(attack.peak.flows),
      record: JSON.stringify(canonicalAttack(attack)),
    });
  }
  if (ban && ban.attack_id === attackId) {
    if (event.kind === 'unban') fields.unbanned_at = writtenAt;
    else Object.assign(fields, { banned_at: ban.banned_at, ban_expires_at: ban.expires_at });
  }
  return fields;
}

function canonicalBan(ban: Ban): Ban {
  return {
    ip: ban.ip,
    direction: ban.direction,
    hostgroup: ban.hostgroup,
    attack_id: ban.attack_id,
    banned_at: ban.banned_at,
    expires_at: ban.expires_at,
    manual: ban.manual,
    comment: ban.comment,
  };
}
