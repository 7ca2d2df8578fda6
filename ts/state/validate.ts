// What a state file must hold to be used: the shapes the API answers with (so that a record read
// back can always be served), plus what those shapes cannot say (a real address, real times).
// Each check returns the problems found, as "where: what", empty when the value is good.
import { Type } from '@sinclair/typebox';
import { AttackSchema, BanSchema } from '../api/schemas.js';
import { parseIpAddress } from '../config/prefix.js';
import { schemaProblems } from '../config/schema-problems.js';
import { EVENT_KINDS } from '../integrations/types.js';

const BansFileSchema = Type.Object({ version: Type.Optional(Type.Integer()), bans: Type.Array(Type.Unknown()) });

const at = (prefix: string, where: string | undefined) => [prefix, where === '(top level)' ? '' : where].filter(Boolean).join('.') || '(top level)';
const problems = (found: { where?: string; reason: string }[], prefix = ''): string[] => found.map(({ where, reason }) => `${at(prefix, where)}: ${reason}`);

/** The bans file's outer shape: `{ version, bans: [...] }`. */
export function bansFileProblems(root: unknown): string[] {
  return problems(schemaProblems(BansFileSchema, root));
}

/** One entry of the bans list, `bans[index]`. */
export function banProblems(entry: unknown, index: number): string[] {
  const where = `bans[${index}]`;
  const found = problems(schemaProblems(BanSchema, entry), where);
  if (found.length > 0) return found;
  const ban = entry as { ip: string; banned_at: string; expires_at: string };
  if (!parseIpAddress(ban.ip).ok) found.push(`${where}.ip: '${ban.ip}' is not an IP address`);
  for (const key of ['banned_at', 'expires_at'] as const) {
    if (Number.isNaN(Date.parse(ban[key]))) found.push(`${where}.${key}: '${ban[key]}' is not an ISO 8601 time`);
  }
  return found;
}

/** An attack record. */
export function attackProblems(record: unknown): string[] {
  const found = problems(schemaProblems(AttackSchema, record));
  if (found.length > 0) return found;
  const attack = record as { ip: string; started_at: string };
  if (!parseIpAddress(attack.ip).ok) found.push(`ip: '${attack.ip}' is not an IP address`);
  if (Number.isNaN(Date.parse(attack.started_at))) found.push(`started_at: '${attack.started_at}' is not an ISO 8601 time`);
  return found;
}

const EventsFileSchema = Type.Object({ version: Type.Optional(Type.Integer()), events: Type.Array(Type.Unknown()) });
const PendingEventSchema = Type.Object({
  integration: Type.String({ minLength: 1 }),
  event: Type.Object({
    kind: Type.Union(EVENT_KINDS.map((kind) => Type.Literal(kind))),
    ip: Type.String(),
    direction: Type.String(),
    hostgroup: Type.String(),
    attack: Type.Unknown(),
    ban: Type.Unknown(),
    at: Type.String(),
  }),
});

/** The undelivered events file's outer shape: `{ version, events: [...] }`. */
export function eventsFileProblems(root: unknown): string[] {
  return problems(schemaProblems(EventsFileSchema, root));
}

/** One entry of the undelivered events, `events[index]`: its integration and a whole event. */
export function pendingEventProblems(entry: unknown, index: number): string[] {
  const where = `events[${index}]`;
  const found = problems(schemaProblems(PendingEventSchema, entry), where);
  if (found.length > 0) return found;
  const { event } = entry as { event: { ip: string; attack: unknown; ban: unknown } };
  if (!parseIpAddress(event.ip).ok) found.push(`${where}.event.ip: '${event.ip}' is not an IP address`);
  const { at } = (entry as { event: { at: string } }).event;
  if (Number.isNaN(Date.parse(at))) found.push(`${where}.event.at: '${at}' is not an ISO 8601 time`);
  if (event.attack !== null) found.push(...attackProblems(event.attack).map((problem) => `${where}.event.attack.${problem}`));
  if (event.ban !== null) found.push(...banProblems(event.ban, 0).map((problem) => problem.replace(/^bans\[0\]/, `${where}.event.ban`)));
  return found;
}
