// `floodwatch ban IP`, `floodwatch unban IP` and `floodwatch bans`: the bans of the running
// daemon, through its REST API.
import { isIP } from 'node:net';
import type { Ban } from '../attacks/types.js';
import { renderTable } from '../report/table.js';
import {
  ApiClient,
  CONNECTION_USAGE,
  listFrom,
  parseCommandLine,
  printUsage,
  resolveEndpoint,
  runCommand,
  UsageError,
} from './client.js';
import { banReason, formatDuration, formatTimestamp } from './top-screen.js';

const BAN_USAGE = `usage: floodwatch ban IP [--ttl SECONDS] [--comment TEXT] [--force]

Bans IP through the running daemon, which then runs the ban actions (script, BGP...).

  --ttl SECONDS    how long (default: ban.time_seconds); 90, 90s, 15m, 2h or 1d
  --comment TEXT   why, for the other operators
  --force          ban even a whitelisted host or one outside the monitored networks

${CONNECTION_USAGE}
`;

const UNBAN_USAGE = `usage: floodwatch unban IP

Lifts the ban on IP through the running daemon, which then runs the unban actions.

${CONNECTION_USAGE}
`;

const BANS_USAGE = `usage: floodwatch bans [--json]

Lists the bans of the running daemon.

  --json           the bans as a JSON array, as the API gives them

${CONNECTION_USAGE}
`;

export async function banCommand(args: string[]): Promise<number> {
  return runCommand('ban', BAN_USAGE, async () => {
    const { values, positionals } = parseCommandLine(args, {
      ttl: { type: 'string' },
      comment: { type: 'string' },
      force: { type: 'boolean' },
    });
    if (values.help) return printUsage(BAN_USAGE);
    const ip = oneAddress(positionals, 'ban');
    const body = {
      ip,
      ...(values.ttl !== undefined && { ttl_seconds: parseTtl(values.ttl) }),
      ...(values.comment !== undefined && { comment: values.comment }),
      ...(values.force && { force: true }),
    };
    const client = new ApiClient(await resolveEndpoint(values));
    const ban = await client.post<Ban>('/api/v1/bans', body);
    const expires = formatDuration(Date.parse(ban.expires_at) - Date.now());
    process.stdout.write(
      `banned ${ban.ip} (${ban.direction}, hostgroup ${ban.hostgroup}) until ${formatTimestamp(ban.expires_at)}, in ${expires}\n`,
    );
    return 0;
  });
}

export async function unbanCommand(args: string[]): Promise<number> {
  return runCommand('unban', UNBAN_USAGE, async () => {
    const { values, positionals } = parseCommandLine(args, {});
    if (values.help) return printUsage(UNBAN_USAGE);
    const ip = oneAddress(positionals, 'unban');
    const client = new ApiClient(await resolveEndpoint(values));
    await client.delete<unknown>(`/api/v1/bans/${encodeURIComponent(ip)}`);
    process.stdout.write(`unbanned ${ip}\n`);
    return 0;
  });
}

export async function bansCommand(args: string[]): Promise<number> {
  return runCommand('bans', BANS_USAGE, async () => {
    const { values, positionals } = parseCommandLine(args, { json: { type: 'boolean' } });
    if (values.help) return printUsage(BANS_USAGE);
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    const client = new ApiClient(await resolveEndpoint(values));
    const bans = listFrom<Ban>(await client.get<unknown>('/api/v1/bans'), 'bans');
    if (values.json) process.stdout.write(`${JSON.stringify(bans, null, 2)}\n`);
    else process.stdout.write(bans.length === 0 ? 'no bans\n' : `${renderBansTable(bans, Date.now()).join('\n')}\n`);
    return 0;
  });
}

/** The bans as an aligned table, oldest first. */
export function renderBansTable(bans: Ban[], now: number): string[] {
  const rows = [...bans]
    .sort((a, b) => a.banned_at.localeCompare(b.banned_at))
    .map((ban) => [
      ban.ip,
      ban.direction,
      ban.hostgroup,
      formatTimestamp(ban.banned_at),
      formatDuration(Date.parse(ban.expires_at) - now),
      ban.manual ? 'manual' : 'attack',
      ban.comment ?? '',
    ]);
  const headers = ['IP', 'DIRECTION', 'HOSTGROUP', 'BANNED AT', 'EXPIRES IN', 'BY', 'COMMENT'];
  return renderTable(headers, rows, ['left', 'left', 'left', 'left', 'right', 'left', 'left'], '');
}

function oneAddress(positionals: string[], verb: string): string {
  if (positionals.length === 0) throw new UsageError(`which host? give its IP address, e.g. floodwatch ${verb} 198.51.100.7`);
  if (positionals.length > 1) throw new UsageError(`one address at a time: unexpected '${positionals[1]}'`);
  const ip = positionals[0]!;
  if (isIP(ip) === 0) throw new UsageError(`'${ip}' is not an IP address (write e.g. 198.51.100.7 or 2001:db8::7)`);
  return ip;
}

const TTL_UNITS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 };

/** 90, 90s, 15m, 2h, 1d → seconds. */
export function parseTtl(text: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(text.trim());
  const seconds = match ? Number(match[1]) * TTL_UNITS[match[2]!]! : NaN;
  if (!Number.isSafeInteger(seconds) || seconds < 1) {
    throw new UsageError(`--ttl '${text}' is not a duration: write seconds (3600) or 15m, 2h, 1d`);
  }
  return seconds;
}
