// `floodwatch attacks`: the attacks the running daemon recorded, newest first.
import type { AttackRecord } from '../attacks/types.js';
import { attackTypeName } from '../report/labels.js';
import { renderTable } from '../report/table.js';
import { Command } from 'commander';
import { ApiClient, listFrom, resolveEndpoint, UsageError, withConnectionOptions, type ConnectionOptions } from './client.js';
import { onRun } from './commander.js';
import { formatCount, formatTimestamp } from './top-screen.js';

const DEFAULT_LIMIT = 20;
/** As many as the API gives at once. */
const MAX_LIMIT = 1000;

export function attacksCli(): Command {
  const command = withConnectionOptions(
    new Command('attacks')
      .summary('list the attacks recorded')
      .description('Lists the attacks the running daemon recorded, newest first.')
      .usage('[--limit N] [--json]')
      .option('--limit <N>', `at most N attacks, up to ${MAX_LIMIT} (default ${DEFAULT_LIMIT})`)
      .option('--json', 'the attacks as a JSON array, as the API gives them'),
  );
  return onRun(command, async () => {
    const options = command.opts<ConnectionOptions & { limit?: string; json?: boolean }>();
    const limit = parseLimit(options.limit);
    const client = new ApiClient(await resolveEndpoint(options));
    const attacks = newestFirst(listFrom<AttackRecord>(await client.get<unknown>(`/api/v1/attacks?limit=${limit}`), 'attacks')).slice(0, limit);
    if (options.json) process.stdout.write(`${JSON.stringify(attacks, null, 2)}\n`);
    else process.stdout.write(attacks.length === 0 ? 'no attacks recorded\n' : `${renderAttacksTable(attacks).join('\n')}\n`);
    return 0;
  });
}

function parseLimit(text: string | undefined): number {
  if (text === undefined) return DEFAULT_LIMIT;
  const limit = Number(text);
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new UsageError(`--limit '${text}' is not a whole number from 1 to ${MAX_LIMIT}`);
  }
  return limit;
}

const newestFirst = (attacks: AttackRecord[]) => [...attacks].sort((a, b) => b.started_at.localeCompare(a.started_at));

export function renderAttacksTable(attacks: AttackRecord[]): string[] {
  const rows = attacks.map((attack) => [
    attack.id,
    attack.ip,
    attackTypeName(attack.type),
    attack.direction,
    formatCount(attack.peak.pps),
    attack.peak.mbps.toFixed(2),
    formatTimestamp(attack.started_at),
    endedCell(attack),
  ]);
  const headers = ['ID', 'IP', 'TYPE', 'DIRECTION', 'PEAK PPS', 'MBIT/S', 'STARTED', 'ENDED'];
  return renderTable(headers, rows, ['left', 'left', 'left', 'left', 'right', 'right', 'left', 'left'], '');
}

/** 'ongoing', the time alone on the day it started, or the full time. */
function endedCell(attack: AttackRecord): string {
  if (attack.ended_at === null) return 'ongoing';
  const started = formatTimestamp(attack.started_at);
  const ended = formatTimestamp(attack.ended_at);
  return ended.slice(0, 10) === started.slice(0, 10) ? ended.slice(11, 19) : ended;
}
