// `floodwatch host IP`: one host as the running daemon sees it: its counters, hostgroup and
// thresholds, its bans and its recent attacks.
import { isIP } from 'node:net';
import { Command } from 'commander';
import { parseHostAddress } from '../api/ip-address.js';
import type { AttackRecord, Ban } from '../attacks/types.js';
import type { Thresholds } from '../config/schema.js';
import type { DirectionCounters } from '../engine/index.js';
import { renderTable } from '../report/table.js';
import { renderAttacksTable } from './attacks.js';
import { describeThresholds } from './check-config.js';
import { ApiClient, ApiError, listFrom, resolveEndpoint, UsageError, withConnectionOptions, type ConnectionOptions } from './client.js';
import { onRun } from './commander.js';
import { formatCount, formatDuration, formatMbps, formatTimestamp } from './top-screen.js';

const ATTACKS_SHOWN = 10;

export interface HostAnswer {
  ip: string;
  hostgroup: string;
  incoming: DirectionCounters;
  outgoing: DirectionCounters;
  thresholds?: Thresholds;
}

export function hostCli(): Command {
  const command = withConnectionOptions(
    new Command('host')
      .summary('one host: its counters, hostgroup, thresholds, bans and recent attacks')
      .description(
        "Shows one host as the running daemon sees it: its speeds and totals in and out, its hostgroup and that hostgroup's thresholds, its ban and its recent attacks.",
      )
      .usage('IP [--json]')
      .argument('[IP]', 'the host, e.g. 198.51.100.7 or 2001:db8::7')
      .allowExcessArguments()
      .option('--json', '{ host, bans, attacks } as the API gives them (host is null when the daemon keeps no counters for it)'),
  );
  return onRun(command, async () => {
    const options = command.opts<ConnectionOptions & { json?: boolean }>();
    const [ip, extra] = command.args;
    if (ip === undefined) throw new UsageError('which host? give its IP address, e.g. floodwatch host 198.51.100.7');
    if (extra !== undefined) throw new UsageError(`one address at a time: unexpected '${extra}'`);
    if (isIP(ip) === 0) throw new UsageError(`'${ip}' is not an IP address (write e.g. 198.51.100.7 or 2001:db8::7)`);
    const client = new ApiClient(await resolveEndpoint(options));
    const [host, bans, attacks] = await Promise.all([
      client.get<HostAnswer>(`/api/v1/hosts/${encodeURIComponent(ip)}`).catch((error: unknown) => {
        if (error instanceof ApiError && error.status === 404) return error.message;
        throw error;
      }),
      client.get<unknown>('/api/v1/bans').then((body) => listFrom<Ban>(body, 'bans').filter((ban) => sameAddress(ban.ip, ip))),
      client
        .get<unknown>(`/api/v1/attacks?limit=${ATTACKS_SHOWN}&ip=${encodeURIComponent(ip)}`)
        .then((body) => [...listFrom<AttackRecord>(body, 'attacks')].sort((a, b) => b.started_at.localeCompare(a.started_at))),
    ]);
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ host: typeof host === 'string' ? null : host, bans, attacks }, null, 2)}\n`);
    } else {
      process.stdout.write(`${renderHost(ip, host, bans, attacks, Date.now()).join('\n')}\n`);
    }
    return 0;
  });
}

/** `host` is the API's answer, or why it has no counters for the host. */
export function renderHost(ip: string, host: HostAnswer | string, bans: Ban[], attacks: AttackRecord[], now: number): string[] {
  const lines: string[] = [];
  if (typeof host === 'string') {
    lines.push(ip, `counters: none (${host})`);
  } else {
    lines.push(`${host.ip}  hostgroup ${host.hostgroup}`, '');
    const row = (label: string, c: DirectionCounters) => [
      label,
      formatCount(c.pps),
      formatMbps(c.bps),
      formatCount(c.flows),
      String(c.packets_total),
      String(c.bytes_total),
    ];
    lines.push(
      ...renderTable(
        ['', 'pps', 'Mbit/s', 'flows/s', 'packets total', 'bytes total'],
        [row('in', host.incoming), row('out', host.outgoing)],
        ['left', 'right', 'right', 'right', 'right', 'right'],
        '',
      ),
    );
    const approximate = (['incoming', 'outgoing'] as const).filter((direction) => host[direction].approximate);
    if (approximate.length > 0) {
      lines.push(
        `flows/s ${approximate.map((d) => (d === 'incoming' ? 'in' : 'out')).join(' and ')} approximate: counted cheaply until the host grows (packets, bytes and their speeds are exact)`,
      );
    }
    if (host.thresholds) lines.push('', `thresholds: ${describeThresholds(host.thresholds)}`);
  }
  lines.push('');
  if (bans.length === 0) lines.push('ban: none');
  for (const ban of bans) {
    const by = ban.manual ? `manual${ban.comment ? `: ${ban.comment}` : ''}` : `attack ${ban.attack_id ?? '(no record)'}`;
    lines.push(
      `ban: ${ban.direction}, since ${formatTimestamp(ban.banned_at)}, until ${formatTimestamp(ban.expires_at)} (in ${formatDuration(Date.parse(ban.expires_at) - now)}), ${by}`,
    );
  }
  lines.push('');
  if (attacks.length === 0) lines.push('recent attacks: none recorded');
  else lines.push('recent attacks (floodwatch attack ID tells more):', ...renderAttacksTable(attacks));
  return lines;
}

/** 2001:db8::7 and 2001:0db8:0:0::7 (or ::ffff:192.0.2.7 and 192.0.2.7) are one host, as for the API. */
function sameAddress(a: string, b: string): boolean {
  if (a === b) return true;
  const [x, y] = [parseHostAddress(a), parseHostAddress(b)];
  return x.ok && y.ok && x.value === y.value;
}
