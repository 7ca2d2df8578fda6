// `floodwatch ban IP`, `floodwatch unban IP` and `floodwatch bans`: the bans of the running
// daemon, through its REST API.
import { isIP } from 'node:net';
import type { Ban } from '../attacks/types.js';
import { renderTable } from '../report/table.js';
import { Command } from 'commander';
import { ApiClient, listFrom, resolveEndpoint, UsageError, withConnectionOptions, type ConnectionOptions } from './client.js';
import { onRun } from './commander.js';
import { formatDuration, formatTimestamp } from './top-screen.js';

export function banCli(): Command {
  const command = withConnectionOptions(
    new Command('ban')
      .summary('ban a host through the running daemon')
      .description('Bans IP through the running daemon, which then runs the ban actions (script, BGP...).')
      .usage('IP [--ttl SECONDS] [--comment TEXT] [--force]')
      .argument('[IP]', 'the host, e.g. 198.51.100.7 or 2001:db8::7')
      .allowExcessArguments()
      .option('--ttl <SECONDS>', 'how long (default: ban.time_seconds); 90, 90s, 15m, 2h or 1d')
      .option('--comment <TEXT>', 'why, for the other operators')
      .option('--force', 'ban even a whitelisted host or one outside the monitored networks'),
  );
  return onRun(command, async () => {
    const options = command.opts<ConnectionOptions & { ttl?: string; comment?: string; force?: boolean }>();
    const ip = oneAddress(command.args, 'ban');
    const body = {
      ip,
      ...(options.ttl !== undefined && { ttl_seconds: parseTtl(options.ttl) }),
      ...(options.comment !== undefined && { comment: options.comment }),
      ...(options.force && { force: true }),
    };
    const client = new ApiClient(await resolveEndpoint(options));
    const ban = await client.post<Ban>('/api/v1/bans', body);
    const expires = formatDuration(Date.parse(ban.expires_at) - Date.now());
    process.stdout.write(`banned ${ban.ip} (${ban.direction}, hostgroup ${ban.hostgroup}) until ${formatTimestamp(ban.expires_at)}, in ${expires}\n`);
    return 0;
  });
}

export function unbanCli(): Command {
  const command = withConnectionOptions(
    new Command('unban')
      .summary('lift a ban')
      .description('Lifts the ban on IP through the running daemon, which then runs the unban actions.')
      .usage('IP')
      .argument('[IP]', 'the banned host')
      .allowExcessArguments(),
  );
  return onRun(command, async () => {
    const ip = oneAddress(command.args, 'unban');
    const client = new ApiClient(await resolveEndpoint(command.opts<ConnectionOptions>()));
    await client.delete<unknown>(`/api/v1/bans/${encodeURIComponent(ip)}`);
    process.stdout.write(`unbanned ${ip}\n`);
    return 0;
  });
}

export function bansCli(): Command {
  const command = withConnectionOptions(
    new Command('bans')
      .summary('list the bans')
      .description('Lists the bans of the running daemon.')
      .usage('[--json]')
      .option('--json', 'the bans as a JSON array, as the API gives them'),
  );
  return onRun(command, async () => {
    const options = command.opts<ConnectionOptions & { json?: boolean }>();
    const client = new ApiClient(await resolveEndpoint(options));
    const bans = listFrom<Ban>(await client.get<unknown>('/api/v1/bans'), 'bans');
    if (options.json) process.stdout.write(`${JSON.stringify(bans, null, 2)}\n`);
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
      ban.attack_id ?? '-',
      ban.comment ?? '',
    ]);
  const headers = ['IP', 'DIRECTION', 'HOSTGROUP', 'BANNED AT', 'EXPIRES IN', 'BY', 'ATTACK', 'COMMENT'];
  return renderTable(headers, rows, ['left', 'left', 'left', 'left', 'right', 'left', 'left', 'left'], '');
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
