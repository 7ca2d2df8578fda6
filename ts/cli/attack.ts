// `floodwatch attack ID`: the whole record of one attack, and where its fingerprint pcap is.
import { Command } from 'commander';
import type { AttackRecord } from '../attacks/types.js';
import { attackTypeName, formatRate, thresholdMetricParts } from '../report/labels.js';
import { attackDetailSections } from '../report/text.js';
import { ApiClient, resolveEndpoint, UsageError, withConnectionOptions, type ConnectionOptions } from './client.js';
import { onRun } from './commander.js';
import { formatTimestamp } from './top-screen.js';

export function attackCli(): Command {
  const command = withConnectionOptions(
    new Command('attack')
      .summary('the whole record of one attack, and its pcap')
      .description(
        'Shows the whole record of one attack the running daemon recorded (IDs from floodwatch attacks or floodwatch host IP), and where its fingerprint pcap is.',
      )
      .usage('ID [--json]')
      .argument('[ID]', 'the attack, e.g. 01JEXAMPLE')
      .allowExcessArguments()
      .option('--json', 'the record as the API gives it'),
  );
  return onRun(command, async () => {
    const options = command.opts<ConnectionOptions & { json?: boolean }>();
    const [id, extra] = command.args;
    if (id === undefined) throw new UsageError('which attack? give its ID (floodwatch attacks lists them)');
    if (extra !== undefined) throw new UsageError(`one attack at a time: unexpected '${extra}'`);
    const client = new ApiClient(await resolveEndpoint(options));
    const attack = await client.get<AttackRecord>(`/api/v1/attacks/${encodeURIComponent(id)}`);
    if (options.json) process.stdout.write(`${JSON.stringify(attack, null, 2)}\n`);
    else process.stdout.write(`${renderAttack(attack, client.url).join('\n')}\n`);
    return 0;
  });
}

function renderAttack(attack: AttackRecord, url: string): string[] {
  const { scope, unit } = thresholdMetricParts(attack.threshold.metric);
  const rate = (value: number) => `${formatRate(value, unit)} ${unit}`;
  const pcapUrl = `${url}/api/v1/attacks/${encodeURIComponent(attack.id)}/pcap`;
  const pairs: [string, string][] = [
    ['attack', attack.id],
    ['host', `${attack.ip} (${attack.direction}, hostgroup ${attack.hostgroup})`],
    ['type', `${attackTypeName(attack.type)} (${attack.type})`],
    ['threshold crossed', `${scope} ${rate(attack.threshold.value)}, observed ${rate(attack.threshold.observed)}`],
    [
      'peak',
      `${formatRate(attack.peak.pps, 'pps')} pps, ${formatRate(attack.peak.mbps, 'Mbit/s')} Mbit/s, ${formatRate(attack.peak.flows, 'flows/s')} flows/s`,
    ],
    ['started', formatTimestamp(attack.started_at)],
    ['ended', attack.ended_at === null ? 'not yet' : formatTimestamp(attack.ended_at)],
    [
      'pcap',
      attack.pcap ? `${attack.pcap} in the state directory; or curl -o ${attack.id}.pcap ${pcapUrl}` : 'none (the source gave no packets, only flow records)',
    ],
  ];
  const width = Math.max(...pairs.map(([label]) => label.length)) + 2;
  return [...pairs.map(([label, value]) => `${label}:`.padEnd(width) + value), ...attackDetailSections(attack)];
}
